// Turns server messages into the page: step text, roles, breath, checklist, gauges, captions.
// Text areas keep a fixed height, so nothing jumps when cues change.

const MODE_LABELS = {
  idle: "Getting ready", setup: "Set-up", attempt: "Guided session",
  paused: "Paused", halted: "Stopped", ended: "Session ended",
};
// Every pause and halt the pair can go on from says how (issue 13).
export const CARRY_ON = "When you are both ready, press Resume.";
export const CUT_SHORT = "This session was cut short; the receiver should rest.";
export const OTHER_TAB = "This session is open in another tab.";
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
    // What the cues said last about stopping: the page tells the end apart by it.
    this.lastHalt = null;
    this.wasIn = "setup";
    this.lastState = null;
  }

  // How the session ended, in a few words (the big text once it is over).
  static headline(s, lastHalt) {
    const n = s.attempts;
    const attempts = `${n} attempt${n === 1 ? "" : "s"}`;
    switch (s.end_reason) {
      case "completed": return `Done — ${attempts}`;
      case "speed": return "Ended: too fast twice";
      case "symptom": return "Ended: symptom — see a professional";
      case "pop": return "Ended: a click — that area rests now";
      case "stopped": return "Stopped by the receiver";
      case "screening": return "Ended: the screening answered since does not allow it";
      case "ended_by_pair":
        return lastHalt && lastHalt.startsWith("stop:") && lastHalt !== "stop:system"
          ? "Stopped by the receiver" : "Ended by the pair";
      default: return CUT_SHORT;
    }
  }

  // The attempt line: never "Attempt 0"; the attempt about to start counts as the one shown.
  attemptsText(s) {
    const max = s.attempts_max;
    const next = Math.min(s.attempts + 1, max);
    if (s.mode === "ended") {
      if (s.attempts === 0) return "No attempt was made";
      return s.end_reason === "completed" ? `${s.attempts} of ${max} attempts done` : `${s.attempts} of ${max} attempts made`;
    }
    if (s.mode === "attempt") {
      const upcoming = s.attempts === 0 || s.phase === "breathe_in";
      return `Attempt ${upcoming ? next : s.attempts} of ${max}`;
    }
    if (["paused", "halted"].includes(s.mode) && this.wasIn === "attempt") {
      return `Attempt ${Math.max(1, s.attempts)} of ${max}`;
    }
    return `Up to ${max} attempts, after set-up`;
  }

  // Stopped, paused or over: no breath cue is running, so the label says none.
  restBreath() {
    const circle = this.el("breath-circle");
    circle.style.transitionDuration = "0.3s";
    circle.style.width = "30px";
    circle.style.height = "30px";
    this.el("breath-label").textContent = BREATH.normal;
  }

  carryOn(text, link = null) {
    const line = this.el("carry-on");
    line.replaceChildren(text);
    if (link) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      a.id = "gone-link";
      line.append(" ", a);
    }
  }

  // The tab cannot act on the session any more: one state, said once, and nothing else.
  gone(kind, detail = null) {
    if (this.root.dataset.mode === "ended" && kind === "cut_short") return; // already over
    const session = this.root.dataset.session;
    this.root.dataset.mode = "gone";
    this.root.dataset.gone = kind;
    this.restBreath();
    this.el("camera-note").textContent = "";
    this.el("resume").hidden = true;
    if (kind === "other_tab") {
      this.el("mode-label").textContent = "Open in another tab";
      this.setStep(OTHER_TAB);
      this.carryOn("Use that tab: its STOP works there. You can close this one.");
      this.el("link-status").textContent = "Not connected in this tab";
      return;
    }
    this.el("mode-label").textContent = "Session cut short";
    this.setStep(CUT_SHORT);
    this.carryOn(detail ? `(${detail})` : "", { href: `/session/${session}/aftercare`, text: "Go to its aftercare check" });
    this.el("link-status").textContent = "Session over";
  }

  setStep(text, { move = false, receiver = null, assistant = null } = {}) {
    const step = this.el("step-text");
    step.textContent = text;
    step.classList.toggle("long", text.length > 70); // smaller type, same box: no layout jump
    step.classList.toggle("mid", text.length > 40 && text.length <= 70);
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
    if (["halt", "pause"].includes(cue.kind)) this.lastHalt = cue.reason || null;
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
        this.restBreath();
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
    if (this.root.dataset.halted === "1") return; // a late pace never relabels a stop
    const size = phase === "in" ? 60 : phase === "out" ? 20 : null;
    this.el("breath-label").textContent = BREATH[phase] || "Breathe normally";
    if (size === null) return;
    circle.style.transitionDuration = `${seconds}s`;
    circle.style.width = `${size}px`;
    circle.style.height = `${size}px`;
  }

  state(s) {
    if (this.root.dataset.mode === "gone") return;
    this.lastState = s;
    this.root.dataset.mode = s.mode;
    if (["setup", "attempt"].includes(s.mode)) this.wasIn = s.mode;
    this.el("mode-label").textContent = MODE_LABELS[s.mode] || s.mode;
    this.el("attempts").textContent = this.attemptsText(s);
    this.el("tracking").textContent = !s.camera
      ? "Camera watch: off"
      : s.tracked === null ? "Camera: looking for the receiver" : s.tracked ? "Camera: receiver in view" : "Camera: receiver not seen";
    const held = ["halted", "paused"].includes(s.mode);
    this.el("resume").hidden = !held;
    if (held) {
      this.restBreath();
      this.carryOn(CARRY_ON);
    } else if (!s.ended) {
      this.carryOn("");
    }
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
    const mode = this.root.dataset.mode;
    if (mode === "gone") return; // gone() said it all
    const camera = this.root.dataset.camera === "1";
    const text = {
      up: camera ? "Camera watch on" : "Connected (no camera)",
      connecting: "Connecting…",
      down: camera ? "Camera watch OFF: reconnecting…" : "Connection lost: reconnecting…",
      closed: mode === "ended" ? "Session over" : detail || "Disconnected",
    }[status];
    this.el("link-status").textContent = text;
    if (status !== "up" && this.el("step-text").classList.contains("cue-move")) {
      this.setStep(LINK_DOWN_TEXT);
    }
    if (mode === "ended") {
      this.el("camera-note").textContent = "";
    } else if (status === "down" || status === "closed") {
      this.el("camera-note").textContent = "The camera watch is off until the connection is back. No movement now.";
    } else if (status === "up") {
      this.el("camera-note").textContent = camera ? "" : "Camera watch off for this session.";
    }
  }

  ended() {
    if (this.root.dataset.mode === "gone") return;
    this.root.dataset.mode = "ended";
    this.el("mode-label").textContent = MODE_LABELS.ended;
    this.restBreath();
    if (this.lastState) {
      this.setStep(View.headline(this.lastState, this.lastHalt));
      this.el("attempts").textContent = this.attemptsText({ ...this.lastState, mode: "ended" });
    }
    this.carryOn("Release gently and rest. Next: the aftercare check.");
    const link = this.el("to-aftercare");
    if (link.hidden) {
      link.hidden = false;
      this.el("end").hidden = true;
      this.el("resume").hidden = true;
      link.focus();
    }
  }
}
