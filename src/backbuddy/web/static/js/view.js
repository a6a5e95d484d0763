// Turns server messages into the page: step text, roles, breath, checklist, gauges, captions.
// Text areas keep a fixed height, so nothing jumps when cues change.

const MODE_LABELS = {
  idle: "Getting ready", setup: "Set-up", attempt: "Guided session",
  paused: "Paused", halted: "Stopped", ended: "Session ended",
};
// The phase's breath (technique YAML): never a breath hold; "gentle" is the hold of the position.
const BREATH = {
  in: "Breathe in", out: "Breathe out", gentle: "Hold the position, breathe gently", normal: "Breathe normally",
};
const SPOKEN = new Set(["say", "step", "move", "pause", "halt", "refer", "aftercare"]);
export const RELEASE_TEXT = "Stop. Release gently and return to a comfortable, neutral position.";
export const LINK_DOWN_TEXT = "Connection lost: hold still and release gently. The camera watch is off.";

export class View {
  constructor(root, speech) {
    this.root = root;
    this.speech = speech;
    this.el = (id) => document.getElementById(id);
    this.checkTexts = {};
  }

  setStep(text, { move = false, receiver = null, assistant = null } = {}) {
    const step = this.el("step-text");
    step.textContent = text;
    step.classList.toggle("long", text.length > 70); // smaller type, same box: no layout jump
    step.classList.toggle("cue-move", move);
    for (const [id, value] of [["receiver-text", receiver], ["assistant-text", assistant]]) {
      const span = this.el(id);
      span.textContent = value || "—";
      span.classList.toggle("cue-move", move && Boolean(value));
    }
  }

  cues(list, { replay = false } = {}) {
    for (const cue of list) this.cue(cue, replay);
  }

  cue(cue, replay) {
    this.caption(cue);
    const roles = { receiver: cue.receiver, assistant: cue.assistant };
    switch (cue.kind) {
      case "step":
        this.setStep(cue.text, roles);
        break;
      case "move":
        if (this.root.dataset.halted !== "1" && this.root.dataset.link === "up") {
          this.setStep(cue.text, { ...roles, move: true });
        }
        break;
      case "pace":
        if (!replay) this.breathe(cue.phase, cue.seconds);
        break;
      case "say":
        if (cue.step) this.setStep(cue.text, roles);
        break;
      case "pause":
        this.setStep(cue.text);
        break;
      case "halt":
        this.setStep(cue.text === "Stop." ? RELEASE_TEXT : cue.text);
        this.root.dataset.halted = "1";
        break;
      case "refer":
        this.refer(cue.text);
        break;
      case "done":
        this.ended();
        break;
      default:
        break;
    }
    if (!replay && SPOKEN.has(cue.kind)) this.speech.say(cue.text, cue.kind === "halt");
  }

  refer(text) {
    const box = this.el("refer");
    if ([...box.children].some((p) => p.textContent === text)) return;
    const p = document.createElement("p");
    p.textContent = text;
    box.append(p);
    box.hidden = false;
  }

  caption(cue) {
    if (cue.kind === "pace") return; // the breath shows it; its words come as a `say` cue
    const list = this.el("captions");
    const item = document.createElement("li");
    item.className = cue.kind;
    if (cue.kind === "move") item.classList.add("cue-move");
    item.textContent = cue.text;
    list.prepend(item);
    while (list.children.length > 6) list.lastElementChild.remove();
  }

  breathe(phase, seconds) {
    const circle = this.el("breath-circle");
    const size = phase === "in" ? 90 : phase === "out" ? 30 : null;
    this.el("breath-label").textContent = BREATH[phase] || "Breathe normally";
    if (size === null) return;
    circle.style.transitionDuration = `${seconds}s`;
    circle.style.width = `${size}px`;
    circle.style.height = `${size}px`;
  }

  state(s) {
    this.root.dataset.mode = s.mode;
    this.el("mode-label").textContent = MODE_LABELS[s.mode] || s.mode;
    this.el("attempts").textContent = s.mode === "attempt"
      ? `Attempt ${s.attempts} of ${s.attempts_max}`
      : `Attempts left: ${s.attempts_left}`;
    this.el("tracking").textContent = !s.camera
      ? "Camera watch: off"
      : s.tracked === null ? "Camera: looking for the receiver" : s.tracked ? "Camera: receiver in view" : "Camera: receiver not seen";
    this.el("resume").hidden = !["halted", "paused"].includes(s.mode);
    this.checklist(s.checks);
    if (s.ended) this.ended();
  }

  checklist(checks) {
    const list = this.el("checklist");
    const key = checks.map((c) => `${c.id}:${c.ok}:${c.hint}`).join("|");
    if (key === this.lastChecks) return;
    this.lastChecks = key;
    list.replaceChildren(...checks.map((c) => {
      const item = document.createElement("li");
      item.dataset.check = c.id;
      item.className = c.ok === true ? "ok" : c.ok === false ? "no" : "";
      item.textContent = c.text;
      const state = c.ok === true ? "passing" : c.ok === false ? "not yet" : "not checked yet";
      item.setAttribute("aria-label", `${c.text}: ${state}`);
      if (c.ok === false && c.hint) {
        const hint = document.createElement("span");
        hint.className = "hint";
        hint.textContent = c.hint;
        item.append(hint);
      }
      return item;
    }));
  }

  frame(f, hardLimit) {
    this.el("speed").value = Math.min(f.speed_deg_s, hardLimit);
    this.el("speed-text").textContent = `${f.speed_deg_s.toFixed(1)} °/s (proposed limit ${Math.round(hardLimit)})`;
  }

  link(status, detail) {
    this.root.dataset.link = status;
    const text = {
      up: this.root.dataset.camera === "1" ? "Camera watch on" : "Connected (no camera watch)",
      connecting: "Connecting…",
      down: "Camera watch OFF: reconnecting…",
      closed: detail || "Disconnected",
    }[status];
    this.el("link-status").textContent = text;
    if (status !== "up" && this.el("step-text").classList.contains("cue-move")) {
      this.setStep(LINK_DOWN_TEXT);
    }
    if (status === "down" || status === "closed") {
      this.el("camera-note").textContent = "The camera watch is off until the connection is back. No movement now.";
    } else if (status === "up") {
      this.el("camera-note").textContent = this.root.dataset.camera === "1" ? "" : "Camera watch off for this session.";
    }
  }

  ended() {
    this.root.dataset.mode = "ended";
    this.el("mode-label").textContent = MODE_LABELS.ended;
    const link = this.el("to-aftercare");
    if (link.hidden) {
      link.hidden = false;
      this.el("end").hidden = true;
      this.el("resume").hidden = true;
      link.focus();
    }
  }
}
