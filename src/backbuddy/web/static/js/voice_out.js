// Spoken cues: sentences rendered by the server (its offline voice, GET /speech/KEY.wav),
// played one after another; the browser's own voice (Web Speech) says a sentence the
// server cannot. Captions never depend on it. Mute and volume are kept on this device.
// cancel() silences everything at once (a STOP press calls it in its own task).

// Words as the server's `audio.words.tokens` reads them: lower case, letters, an apostrophe
// inside a word kept ("don't").
export function tokens(text) {
  return text.toLowerCase().replaceAll("\u2019", "'").match(/[a-z]+(?:'[a-z]+)?/g) || [];
}

// Does `text` say one of `stopWords` (the server's list, rendered into the page), as whole
// words or a phrase's words in a row: the server's `audio.words.meaning` rule, so the flag
// "our own cue says a stop word" agrees with what the server would hear as a stop.
export function saysStopWord(text, stopWords) {
  const words = tokens(text);
  return stopWords.some((phrase) => {
    const want = tokens(phrase);
    for (let i = 0; want.length > 0 && i + want.length <= words.length; i++) {
      if (want.every((w, k) => words[i + k] === w)) return true;
    }
    return false;
  });
}

export class VoiceOut {
  // stopWords: the server's stop words (`data-stop-words`); none given, no cue is flagged
  // and the server hears our own stop word as a stop (the safe side).
  constructor({ mute, volume, stopWords = [] }) {
    this.stopWords = stopWords;
    this.button = mute;
    this.slider = volume;
    this.synth = "speechSynthesis" in window ? window.speechSynthesis : null;
    this.audio = new Audio();
    this.queue = [];
    this.current = null; // { text, playing }
    this.gen = 0;
    this.muted = localStorage.getItem("backbuddy-muted") === "1";
    const kept = Number(localStorage.getItem("backbuddy-volume"));
    this.volume = Number.isFinite(kept) && localStorage.getItem("backbuddy-volume") !== null ? kept : 1;
    this.render();
    mute.addEventListener("click", () => {
      this.muted = !this.muted;
      localStorage.setItem("backbuddy-muted", this.muted ? "1" : "0");
      if (this.muted) this.cancel();
      this.render();
    });
    if (volume) {
      volume.value = String(Math.round(this.volume * 100));
      volume.addEventListener("input", () => {
        this.volume = Number(volume.value) / 100;
        this.audio.volume = this.volume;
        localStorage.setItem("backbuddy-volume", String(this.volume));
      });
    }
  }

  render() {
    this.button.setAttribute("aria-pressed", String(this.muted));
    this.button.textContent = this.muted ? "Voice off" : "Voice on";
  }

  // Something is coming out of the speakers now (the microphone hears it too).
  get speaking() {
    return Boolean(this.current && this.current.playing);
  }

  get speakingStopWord() {
    return this.speaking && saysStopWord(this.current.text, this.stopWords);
  }

  // parts: [{ text, url, gap_s }] in order; urgent (a halt): everything before is dropped
  // first. gap_s (speaking less: our voice is as loud as theirs in the microphone, the hands
  // are on): silence after the part, in which a voice is heard. Such pieces not yet said
  // when new cues come (the next phase, a pause) are dropped, so speech follows the session
  // (the screen keeps the words).
  play(parts, urgent = false) {
    if (urgent) this.cancel();
    if (this.muted || !parts || parts.length === 0) return;
    this.queue = this.queue.filter((p) => !p.gap_s);
    this.queue.push(...parts);
    if (!this.current) this.next();
  }

  next() {
    const part = this.queue.shift();
    this.current = part ? { text: part.text, playing: false } : null;
    if (!part) return;
    const gen = this.gen;
    let done = false;
    const finish = () => {
      if (done || gen !== this.gen) return;
      done = true;
      clearTimeout(watchdog);
      if (!part.gap_s) return this.next();
      this.current = { text: "", playing: false }; // silent: the microphone is not flagged
      setTimeout(() => { if (gen === this.gen) this.next(); }, part.gap_s * 1000);
    };
    // A sentence never holds the queue for longer than it could take to say it.
    const watchdog = setTimeout(finish, 2000 + part.text.length * 120);
    let fellBack = false;
    const fallback = () => {
      if (done || fellBack || gen !== this.gen) return;
      fellBack = true;
      if (!this.synth || this.synth.getVoices().length === 0) return finish(); // nothing can say it
      const u = new SpeechSynthesisUtterance(part.text);
      u.rate = 0.9;
      u.volume = this.volume;
      u.onstart = () => { if (gen === this.gen && this.current) this.current.playing = true; };
      u.onend = finish;
      u.onerror = finish;
      this.synth.speak(u);
    };
    if (!part.url) return fallback();
    const audio = this.audio;
    audio.volume = this.volume;
    audio.onplaying = () => { if (gen === this.gen && this.current) this.current.playing = true; };
    audio.onended = finish;
    audio.onerror = fallback;
    audio.src = part.url;
    audio.play().catch(fallback);
  }

  cancel() {
    this.gen += 1;
    this.queue = [];
    this.current = null;
    this.audio.onended = this.audio.onerror = this.audio.onplaying = null;
    this.audio.pause();
    if (this.synth) this.synth.cancel();
  }
}
