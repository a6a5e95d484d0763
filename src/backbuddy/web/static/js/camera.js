// The camera: preview in the page, JPEG frames to the server at a capped rate, one in flight.

const MAX_WIDTH = 480;
const QUALITY = 0.7;
const IN_FLIGHT_TIMEOUT_MS = 1000;

export class Camera {
  constructor(video, { fps, send, onError }) {
    this.video = video;
    this.fps = fps;
    this.send = send;
    this.onError = onError;
    this.canvas = document.createElement("canvas");
    this.inFlightSince = null;
    this.timer = null;
    this.sent = new Map();
  }

  async start() {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
      this.video.srcObject = stream;
      await this.video.play();
    } catch (err) {
      this.onError(`The camera could not start (${err.name}). Allow the camera and reload the page.`);
      return false;
    }
    this.timer = setInterval(() => this.capture(), 1000 / this.fps);
    return true;
  }

  answered(seq) {
    this.inFlightSince = null;
    const sentAt = this.sent.get(seq);
    this.sent.delete(seq);
    return sentAt === undefined ? null : performance.now() - sentAt;
  }

  capture() {
    const now = performance.now();
    if (this.inFlightSince !== null && now - this.inFlightSince < IN_FLIGHT_TIMEOUT_MS) return;
    const { videoWidth: vw, videoHeight: vh } = this.video;
    if (!vw || !vh) return;
    const scale = Math.min(1, MAX_WIDTH / vw);
    this.canvas.width = Math.round(vw * scale);
    this.canvas.height = Math.round(vh * scale);
    this.canvas.getContext("2d").drawImage(this.video, 0, 0, this.canvas.width, this.canvas.height);
    this.inFlightSince = now;
    this.canvas.toBlob(async (blob) => {
      if (!blob) return;
      const ok = this.send(await blob.arrayBuffer());
      if (ok) {
        this.frames = (this.frames || 0) + 1;
        this.sent.set(this.frames, now);
        if (this.sent.size > 64) this.sent.delete(this.sent.keys().next().value);
      } else {
        this.inFlightSince = null;
      }
    }, "image/jpeg", QUALITY);
  }

  stop() {
    clearInterval(this.timer);
    const stream = this.video.srcObject;
    if (stream) for (const track of stream.getTracks()) track.stop();
  }
}
