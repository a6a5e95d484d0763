// The microphone for listening (docs/voice.md): captured in an AudioWorklet as 16 kHz mono
// 16-bit PCM and sent over the session socket in 32 ms binary messages (docs/protocol.md,
// "Audio": an 8-byte "BBA1" header with flags, the rate, then the samples). The server
// listens; the page shows the level and what was heard.

export const RATE = 16000;
// Header flags: the page is speaking a cue; that cue says a stop word; the check waits.
export const SPEAKING = 1;
export const SPEAKING_STOP_WORD = 2;
export const CHECKING = 4;
// Below this level the microphone gives nothing at all (a muted or dead input).
export const SILENT_DBFS = -90;
const CONSTRAINTS = { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: true };

export class Mic {
  // send(ArrayBuffer) → bool; flags() → header flags now; onLevel(dBFS) per chunk.
  // onEnded(): the microphone went away (unplugged, switched off, taken by the system).
  constructor({ send, flags, onLevel, onEnded = () => {} }) {
    this.send = send;
    this.flags = flags;
    this.onLevel = onLevel;
    this.onEnded = onEnded;
    this.stream = null;
    this.ctx = null;
    this.chunks = 0;
    this.loudest = -120;
  }

  static get supported() {
    return Boolean(navigator.mediaDevices && window.AudioWorkletNode);
  }

  // Opens the microphone (or uses the audio track the camera already opened); throws an
  // Error whose message says why not, in words a person can act on.
  async open(track = null) {
    if (!Mic.supported) throw new Error("this browser cannot capture sound for backbuddy");
    try {
      this.stream = track ? new MediaStream([track]) : await navigator.mediaDevices.getUserMedia({ audio: CONSTRAINTS });
    } catch (err) {
      const why = { NotAllowedError: "the microphone was not allowed", NotFoundError: "no microphone was found" }[err.name];
      throw new Error(why || `the microphone could not start (${err.name})`);
    }
    // An ended track gives the worklet silence forever: stop sending instead, so the server
    // sees the sound stop and pauses a movement that counted on a spoken stop.
    for (const t of this.stream.getAudioTracks()) t.addEventListener("ended", () => this.onEnded());
    try {
      this.ctx = new AudioContext({ sampleRate: RATE });
    } catch {
      this.ctx = new AudioContext(); // the worklet downsamples instead
    }
    await this.ctx.audioWorklet.addModule("/static/js/mic_worklet.js");
    const source = this.ctx.createMediaStreamSource(this.stream);
    const node = new AudioWorkletNode(this.ctx, "backbuddy-mic", { numberOfInputs: 1, numberOfOutputs: 1 });
    const silent = this.ctx.createGain();
    silent.gain.value = 0; // the worklet must run, but nothing is played back
    node.port.onmessage = (e) => this.chunk(e.data);
    source.connect(node).connect(silent).connect(this.ctx.destination);
    if (this.ctx.state === "suspended") await this.ctx.resume();
  }

  chunk({ pcm, rms }) {
    const db = rms > 0 ? 20 * Math.log10(rms) : -120;
    this.chunks += 1;
    this.loudest = Math.max(this.loudest, db);
    this.onLevel(db);
    const buf = new ArrayBuffer(8 + pcm.byteLength);
    const head = new DataView(buf);
    "BBA1".split("").forEach((c, i) => head.setUint8(i, c.charCodeAt(0)));
    head.setUint8(4, this.flags());
    head.setUint8(5, 0);
    head.setUint16(6, RATE, true);
    new Uint8Array(buf, 8).set(new Uint8Array(pcm));
    this.send(buf);
  }

  stop() {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    if (this.ctx) this.ctx.close();
    this.stream = null;
    this.ctx = null;
  }
}
