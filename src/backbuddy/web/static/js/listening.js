// The page's side of listening (docs/voice.md): the microphone check in set-up, the live
// level and "listening" pill, what was heard next to the cue it caused, and the honest line
// about stopping. When backbuddy cannot listen (no microphone, refused, no model on the
// server, a silent input) the page says once, plainly, "say stop to your partner"; every
// button works the same either way.

import { CHECKING, Mic, SILENT_DBFS, SPEAKING, SPEAKING_STOP_WORD } from "./mic.js";

const NOT_LISTENING = "Say stop to your partner, or press STOP or the space bar.";
const TEXT = {
  offer: "backbuddy can listen: any voice during the movement pauses it, and “stop” stops it at any time. "
    + "The sound goes to the backbuddy server to be listened to; it keeps none of it.",
  asking: "Opening the microphone…",
  checking: "Microphone check: say “stop” once, out loud. backbuddy shows here that it heard you, "
    + "and stops the session as it would at any time; then press Resume.",
  checked: (heard) => `Heard “${heard}”. backbuddy is listening: say stop out loud at any time. `
    + "Press Resume to go on with the set-up.",
  skipped: `The microphone check was skipped, so backbuddy may not hear you. ${NOT_LISTENING}`,
  silent: "The microphone gives only silence: is it muted or unplugged? "
    + `Until backbuddy hears you, ${NOT_LISTENING.toLowerCase()}`,
  unavailable: (why) => `Not listening: ${why}. ${NOT_LISTENING}`,
};
const PILL = {
  off: "Not listening", asking: "Microphone…", checking: "Listening (not checked yet)",
  checked: "Listening", skipped: "Listening (not checked)", unavailable: "Not listening",
};

export class Listening {
  constructor(root, { link, voice, onCaption }) {
    this.root = root;
    this.onCaption = onCaption;
    this.link = link;
    this.voice = voice;
    this.el = (id) => document.getElementById(id);
    this.mode = "off";
    this.mic = null;
    this.info = null; // the server's hello
    this.heardByRef = {};
    this.agreed = localStorage.getItem("backbuddy-listen") === "1";
    // Read by the browser tests: what the page heard and how the check went.
    this.stats = { mode: "off", heard: [], chunks: 0, note: "" };
    this.el("mic-on").addEventListener("click", () => this.start());
    this.el("mic-skip").addEventListener("click", () => this.skip());
    new MutationObserver(() => this.placeCheck())
      .observe(root, { attributes: true, attributeFilter: ["data-mode"] });
  }

  set(mode, note) {
    this.mode = mode;
    this.stats.mode = mode;
    this.root.dataset.listening = mode;
    this.el("mic-status").textContent = PILL[mode];
    if (note !== undefined) {
      this.el("mic-text").textContent = note;
      this.stats.note = note;
    }
    const live = Boolean(this.mic);
    this.el("mic-on").hidden = live || mode === "unavailable" && !this.info?.listening;
    this.el("mic-skip").hidden = mode !== "checking" && mode !== "off";
    this.el("mic-level").hidden = !live;
  }

  hello(msg, camera) {
    this.info = msg;
    if (!msg.listening) {
      this.unavailable(msg.listen_problem || "backbuddy cannot listen on this computer");
      return;
    }
    if (this.mode === "off") this.set("off", TEXT.offer);
    if (this.agreed && !camera) this.start();
  }

  // The camera asks for the microphone in the same request once the pair agreed to listening.
  get withCamera() {
    return this.agreed && Boolean(this.info && this.info.listening) && !this.mic;
  }

  cameraOpened(track) {
    if (this.withCamera) this.start(track);
  }

  async start(track = null) {
    if (this.mic || this.mode === "asking") return;
    localStorage.setItem("backbuddy-listen", "1");
    this.agreed = true;
    this.set("asking", TEXT.asking);
    const mic = new Mic({
      send: (buf) => { this.stats.chunks += 1; return this.link.sendAudio(buf); },
      flags: () => this.flags(),
      onLevel: (db) => this.level(db),
      onEnded: () => this.unavailable("the microphone stopped (unplugged or switched off)"),
    });
    try {
      await mic.open(track);
    } catch (err) {
      this.unavailable(err.message);
      return;
    }
    this.mic = mic;
    if (this.mode === "asking") {
      // The check: in set-up, or again in a pause or halt (after listening was lost or
      // the page reloaded), where the server takes it too (audio_socket.can_check).
      const check = ["idle", "setup", "paused", "halted"].includes(this.root.dataset.mode);
      this.set(check ? "checking" : "skipped", check ? TEXT.checking : TEXT.skipped);
    }
    setTimeout(() => {
      if (this.mic && this.mic.loudest <= SILENT_DBFS && this.mode !== "checked") {
        this.el("mic-text").textContent = TEXT.silent;
        this.stats.note = TEXT.silent;
        this.root.dataset.micSilent = "1";
      }
    }, 4000);
  }

  skip() {
    this.set("skipped", TEXT.skipped);
  }

  unavailable(why) {
    if (this.mic) this.mic.stop();
    this.mic = null;
    this.set("unavailable", TEXT.unavailable(why));
  }

  stop() {
    if (this.mic) this.mic.stop();
    this.mic = null;
  }

  flags() {
    let f = 0;
    if (this.voice.speaking) f |= SPEAKING;
    if (this.voice.speakingStopWord) f |= SPEAKING_STOP_WORD;
    // "paused": in the set-up step where the assistant's hands are on, the check's own
    // voice pauses first; a pause or halt later is where the check is taken again.
    if (this.mode === "checking" && ["idle", "setup", "paused", "halted"].includes(this.root.dataset.mode)) f |= CHECKING;
    return f;
  }

  level(db) {
    const meter = this.el("mic-level");
    meter.value = Math.max(-70, Math.min(0, db));
    if (db > SILENT_DBFS && this.root.dataset.micSilent === "1") {
      delete this.root.dataset.micSilent;
      if (this.mode === "checking") this.el("mic-text").textContent = TEXT.checking;
    }
  }

  // What the server heard: words, a voice starting, or a click.
  heard(msg) {
    if (msg.ref) this.heardByRef[msg.ref] = msg;
    this.stats.heard.push({ kind: msg.kind, text: msg.text, meaning: msg.meaning, check: msg.check });
    const line = this.el("heard-last");
    if (msg.kind === "words") line.textContent = `heard: “${msg.text}”`;
    else if (msg.kind === "pop") line.textContent = "heard: a click";
    else line.textContent = "hearing a voice…";
  }

  changed(msg) {
    if (msg.state === "checked") {
      this.set("checked", TEXT.checked(msg.heard || "stop"));
      this.onCaption({ kind: "say", text: this.info.say_listening });
      this.voice.play(msg.speech || [{ text: this.info.say_listening, url: null }]);
    } else if (msg.state === "loud_echo") {
      // Our voice is as loud as theirs in the microphone: we speak less (docs/voice.md).
      this.el("heard-last").textContent = msg.message;
      this.onCaption({ kind: "say", text: msg.message });
      this.voice.play(msg.speech || [{ text: msg.message, url: null }]);
    } else {
      this.unavailable(msg.message || "backbuddy cannot listen");
    }
  }

  // The engine's "Say stop, …" line, as it is true now.
  honest(cues) {
    if (!this.info || !this.info.stop_any_time) return cues;
    const line = this.mode === "checked" ? this.info.say_listening : this.info.say_not_listening;
    return cues.map((c) => (c.text === this.info.stop_any_time ? { ...c, text: line } : c));
  }

  // "heard: stop" next to the caption of each cue the heard words caused.
  annotate(msg) {
    const h = msg.ref && this.heardByRef[msg.ref];
    if (!h) return;
    const label = h.kind === "words" ? `heard: “${h.text}”` : h.kind === "pop" ? "heard: a click" : "heard: a voice";
    const shown = msg.cues.filter((c) => c.kind !== "pace").length;
    const items = [...this.el("captions").children].slice(0, shown);
    for (const item of items) {
      const tag = document.createElement("span");
      tag.className = "heard";
      tag.textContent = label;
      item.append(" ", tag);
    }
  }

  // The check belongs to set-up: once the movement begins, an unchecked microphone says so.
  placeCheck() {
    const mode = this.root.dataset.mode;
    const inSetup = ["idle", "setup"].includes(mode);
    this.el("mic-check").classList.toggle("compact", !inSetup);
    if (mode === "attempt" && this.mode === "checking") this.set("skipped", TEXT.skipped);
  }
}
