// The microphone's audio thread: mono, 16 kHz, 16-bit, in 512-sample chunks (32 ms), with the
// chunk's level. The page asks for a 16 kHz AudioContext (the browser then resamples with
// its own filter); where it cannot, this downsamples by averaging each 16 kHz sample's span
// of input samples (a box low-pass: good enough for voice activity and words).

const RATE = 16000;
const CHUNK = 512;

class BackbuddyMic extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / RATE; // `sampleRate` is the context's, a global of this scope
    this.pos = 0;
    this.acc = 0;
    this.n = 0;
    this.out = new Int16Array(CHUNK);
    this.k = 0;
    this.sumSq = 0;
  }

  emit(y) {
    const s = Math.max(-1, Math.min(1, y));
    this.out[this.k++] = s < 0 ? s * 32768 : s * 32767;
    this.sumSq += s * s;
    if (this.k === CHUNK) {
      const rms = Math.sqrt(this.sumSq / CHUNK);
      this.port.postMessage({ pcm: this.out.buffer, rms }, [this.out.buffer]);
      this.out = new Int16Array(CHUNK);
      this.k = 0;
      this.sumSq = 0;
    }
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const left = input[0];
    const right = input.length > 1 ? input[1] : null;
    for (let i = 0; i < left.length; i++) {
      const x = right ? (left[i] + right[i]) / 2 : left[i];
      if (this.ratio === 1) {
        this.emit(x);
        continue;
      }
      this.acc += x;
      this.n += 1;
      this.pos += 1;
      if (this.pos >= this.ratio) {
        this.pos -= this.ratio;
        this.emit(this.acc / this.n);
        this.acc = 0;
        this.n = 0;
      }
    }
    return true;
  }
}

registerProcessor("backbuddy-mic", BackbuddyMic);
