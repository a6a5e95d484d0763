// The camera: preview in the page and, when the pose model does not run in the page
// (pose_page.js), JPEG frames to the server at a capped rate, two in flight.

// The picture's shorter side at most (issue 12: capping the width gave a landscape camera
// 270 px of height, where a seated receiver read shifted views and late halts).
const MAX_SHORT_SIDE = 480;
const QUALITY = 0.7;
const IN_FLIGHT_TIMEOUT_MS = 1000;
// Two frames in flight: the next one is encoded and sent while the server analyses one.
const MAX_IN_FLIGHT = 2;

export class Camera {
  constructor(video, { fps, send, onError, audio = false }) {
    this.video = video;
    this.audio = audio; // also ask for the microphone (listening.js), in the same request
    this.fps = fps;
    this.send = send;
    this.onError = onError;
    this.canvas = document.createElement("canvas");
    this.inFlight = new Map();
    this.timer = null;
    this.encoding = false;
    // Pictures the camera has delivered, and the one last sent: a frozen camera (a stalled
    // device, a paused track) leaves the video showing its last picture, and sending that
    // again and again would show the server a receiver perfectly still while they move (I4).
    this.presented = 0;
    this.sentPicture = -1;
    if ("requestVideoFrameCallback" in video) {
      const count = () => {
        this.presented += 1;
        video.requestVideoFrameCallback(count);
      };
      video.requestVideoFrameCallback(count);
    }
  }

  async start() {
    if (!(await this.open())) return false;
    this.startSending();
    return true;
  }

  // The preview only: nothing leaves the page until startSending().
  async open() {
    if (this.video.srcObject) return true;
    try {
      const stream = await this.request();
      this.video.srcObject = stream;
      await this.video.play();
    } catch (err) {
      this.onError(`The camera could not start (${err.name}). Allow the camera and reload the page.`);
      return false;
    }
    return true;
  }

  // Camera and microphone together when asked; a refused microphone leaves the camera on.
  async request() {
    const media = navigator.mediaDevices;
    if (!this.audio) return media.getUserMedia({ video: true, audio: false });
    try {
      const stream = await media.getUserMedia({ video: true, audio: { channelCount: 1, echoCancellation: true } });
      this.audioTrack = stream.getAudioTracks()[0] || null;
      return stream;
    } catch {
      return media.getUserMedia({ video: true, audio: false });
    }
  }

  startSending() {
    if (this.timer === null) this.timer = setInterval(() => this.capture(), 1000 / this.fps);
  }

  answered(seq) {
    const sentAt = this.inFlight.get(seq);
    // The server answers frames in order and may drop waiting ones: all older are done.
    for (const key of this.inFlight.keys()) if (key <= seq) this.inFlight.delete(key);
    return sentAt === undefined ? null : performance.now() - sentAt;
  }

  capture() {
    const now = performance.now();
    for (const [key, at] of this.inFlight) if (now - at > IN_FLIGHT_TIMEOUT_MS) this.inFlight.delete(key);
    if (this.inFlight.size + (this.encoding ? 1 : 0) >= MAX_IN_FLIGHT) return;
    const { videoWidth: vw, videoHeight: vh } = this.video;
    if (!vw || !vh) return;
    const rvfc = "requestVideoFrameCallback" in this.video;
    if (rvfc && this.presented === this.sentPicture) return; // no new picture: send nothing
    this.sentPicture = this.presented;
    const scale = Math.min(1, MAX_SHORT_SIDE / Math.min(vw, vh));
    this.canvas.width = Math.round(vw * scale);
    this.canvas.height = Math.round(vh * scale);
    this.canvas.getContext("2d").drawImage(this.video, 0, 0, this.canvas.width, this.canvas.height);
    this.encoding = true;
    this.canvas.toBlob(async (blob) => {
      const data = blob ? await blob.arrayBuffer() : null;
      this.encoding = false;
      const seq = data ? this.send(data) : 0; // its number on the socket (link.js)
      if (seq) this.inFlight.set(seq, now);
    }, "image/jpeg", QUALITY);
  }

  // keepAudio: the microphone (listening.js) goes on when a phone takes over the camera.
  stop({ keepAudio = false } = {}) {
    clearInterval(this.timer);
    this.timer = null;
    const stream = this.video.srcObject;
    if (!stream) return;
    for (const track of stream.getTracks()) if (!(keepAudio && track.kind === "audio")) track.stop();
  }
}
