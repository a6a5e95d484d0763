// The guided-session page. STOP is handled here first: the page halts itself (visual halt,
// speech cancelled) in the same task as the press, then tells the server.

import { Camera } from "./camera.js";
import { Link } from "./link.js";
import { Listening } from "./listening.js";
import { drawSkeleton } from "./overlay.js";
import { PhonePanel } from "./phone_panel.js";
import { showPlacementPicture } from "./placement_picture.js";
import { cameraFps, newPagePose, pagePoseNote } from "./pose_page.js";
import { RELEASE_TEXT, View } from "./view.js";
import { VoiceOut } from "./voice_out.js";

const root = document.getElementById("session");
// Spoken cues come with each cues message (the server's voice, or the browser's): the view
// only shows them.
const speech = new VoiceOut({
  mute: document.getElementById("mute"),
  volume: document.getElementById("volume"),
  stopWords: JSON.parse(root.dataset.stopWords),
});
const view = new View(root, { say() {}, cancel: () => speech.cancel() });
const video = document.getElementById("video");
const overlay = document.getElementById("overlay");
let hardLimit = 30;
let camera = null;
let pagePose = null;
let lastTracked = false;
let presses = 0;
let resumeAsked = false;
// In-page timings, read by the browser tests and the benchmark (ms, performance.now()).
const timings = { presses: {}, frames: [] };
// Where the pose model runs: "page" (this device) or "server"; read by the browser tests.
const pose = { where: null, reason: null, stats: null };
window.backbuddy = { timings, view, pose, speech };
// Animation frames counted, so a halt can be shown to be painted on the very next one.
let frameNo = 0;
const countFrames = () => { frameNo += 1; requestAnimationFrame(countFrames); };
requestAnimationFrame(countFrames);

// A phone as the camera (phone_panel.js): this laptop's camera makes way, and comes back after.
let maxFps = 30;
let needFps = 0; // the technique's least frames a second (hello.min_fps; 0: none)
let pageRefused = null; // why this session's pose must run on the server (hello.page_pose_refused)
let roles = false; // the two-person step: the page sends role frames (roles.js)
const phonePanel = new PhonePanel(root, {
  onPhone: (paired) => (paired ? releaseCamera() : root.dataset.camera === "1" && startCamera(maxFps, roles)),
});
const phoneIsCamera = () => (root.dataset.phone || "none") !== "none";

function releaseCamera() {
  stopPagePose();
  pagePose = null;
  if (camera) camera.stop({ keepAudio: true }); // the laptop keeps listening
  camera = null;
  video.srcObject = null;
  document.getElementById("camera-note").textContent = "The phone is the camera.";
  poseNote("The phone is the camera: its page says where the pose is worked out.");
}

const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/session/${root.dataset.session}`;
const link = new Link(url, { onMessage, onStatus });
const listening = new Listening(root, { link, voice: speech, onCaption: (cue) => view.caption(cue) });
window.backbuddy.listening = listening.stats;

function onStatus(status, code) {
  if (status === "closed") stopPagePose(); // no server to watch with: the model rests
  if (status === "closed" && code === 4409) goneHere("other_tab");
  else if (status === "closed" && code === 4404) goneHere("cut_short");
  view.link(status, closedText(code));
}

function closedText(code) {
  return { 4403: "Refused", 4401: "Token needed", 4429: "Too many wrong tokens: retrying" }[code];
}

// This tab cannot act on the session any more (it runs elsewhere, or is over): one state.
function goneHere(kind, detail = null) {
  speech.cancel();
  stopPagePose();
  listening.stop();
  if (camera) camera.stop();
  view.gone(kind, detail);
}

function press(event, { halts, started }) {
  const ref = `p${++presses}`;
  const t0 = started ?? performance.now();
  if (halts) {
    root.dataset.halted = "1";
    view.setStep(RELEASE_TEXT);
    view.restBreath();
    speech.cancel();
    resumeAsked = false;
    const frame0 = frameNo;
    requestAnimationFrame(() => {
      Object.assign(timings.presses[ref], { local_ms: performance.now() - t0, local_frames: frameNo - frame0 });
    });
  }
  timings.presses[ref] = { kind: event.event, t0, local_dom_ms: performance.now() - t0 };
  link.sendEvent(event, ref);
  return ref;
}

function stop(source, started) {
  return press({ event: "stop", source }, { halts: true, started });
}

function onMessage(msg) {
  switch (msg.type) {
    case "hello":
      listening.hello(msg, msg.camera);
      maxFps = msg.max_fps;
      needFps = msg.min_fps || 0;
      roles = Boolean(msg.roles);
      pageRefused = msg.page_pose_refused || null;
      if (msg.camera && !camera) startCamera(msg.max_fps, msg.roles);
      break;
    case "role": // where the receiver is (two-person step, roles.js)
    case "role_wanted": // the server wants a role frame now (the landmarks jumped)
      if (pagePose) pagePose.role(msg);
      break;
    case "heard":
      listening.heard(msg);
      break;
    case "listening":
      listening.changed(msg);
      break;
    case "cues":
      if (msg.ref && timings.presses[msg.ref]) {
        const p = timings.presses[msg.ref];
        p.server_ms = performance.now() - p.t0;
        p.halted = msg.cues.some((c) => c.kind === "halt");
      }
      msg.cues = listening.honest(msg.cues);
      view.cues(msg.cues, { replay: msg.replay });
      listening.annotate(msg);
      if (!msg.replay) speech.play(spokenParts(msg), msg.cues.some((c) => c.kind === "halt"));
      break;
    case "state":
      hardLimit = msg.hard_speed_deg_s;
      phonePanel.state(msg.phone);
      if (msg.ended) stopPagePose();
      if (resumeAsked && ["setup", "attempt"].includes(msg.mode)) {
        root.dataset.halted = "0";
        resumeAsked = false;
      }
      if (msg.mode === "halted") root.dataset.halted = "1";
      // What to change about the camera's placement (issue 12), or nothing when it is fine.
      const placementNote = document.getElementById("placement-note");
      if (placementNote) placementNote.textContent = msg.placement_hint || "";
      showPlacementPicture(msg.placement_picture, msg.placement_hint);
      view.state(msg);
      break;
    case "frame": {
      const rtt = camera ? camera.answered(msg.seq) : null;
      if (rtt !== null) timings.frames.push({ rtt_ms: rtt, analyze_ms: msg.analyze_ms });
      if (timings.frames.length > 2000) timings.frames.shift();
      lastTracked = msg.tracked;
      if (!pagePose) drawSkeleton(overlay, video, msg.landmarks, msg.tracked);
      view.frame(msg, hardLimit);
      break;
    }
    case "error":
      // Refused sockets say why before they close; the close code then sets the one state.
      if (["unknown_session", "already_connected"].includes(msg.code)) break;
      if (msg.code === "too_much_audio" && !msg.fatal) {
        document.getElementById("heard-last").textContent = `Some sound was dropped: ${msg.message}`;
        break;
      }
      if (["bad_audio", "not_listening"].includes(msg.code) && !msg.fatal) {
        listening.unavailable(msg.message); // the microphone stops; nothing else changes
        break;
      }
      if (msg.code === "not_supported" && pagePose) {
        serverPose(msg.message || "This server cannot take poses worked out in the page.");
        break;
      }
      view.caption({ kind: "halt", text: `Error: ${msg.message}` });
      if (msg.fatal) {
        // The server stopped the session for this error: the page stops too, at once.
        root.dataset.halted = "1";
        goneHere("cut_short", msg.message);
        // Hands are on and nobody looks at the screen: the stop is said aloud too.
        if (Array.isArray(msg.speech)) speech.play(msg.speech, true);
      }
      break;
    default:
      break;
  }
}

// The sentences to speak: the server's (with its audio), or, from an older server, the cues'
// own words for the browser's voice. The honest line about stopping replaces the engine's.
const SPOKEN_KINDS = new Set(["say", "step", "move", "pause", "halt", "refer", "aftercare"]);
function spokenParts(msg) {
  if (Array.isArray(msg.speech)) {
    return msg.speech.map((p) => (listening.info && p.text === listening.info.say_not_listening && listening.mode === "checked"
      ? { text: listening.info.say_listening, url: null } : p));
  }
  return msg.cues.filter((c) => SPOKEN_KINDS.has(c.kind)).map((c) => ({ text: c.text, url: null }));
}

// ?pose=page|server (or localStorage backbuddy-pose) chooses; by default the page runs
// the model when it can keep MIN_FPS, and the server does otherwise.
function poseChoice() {
  const asked = new URLSearchParams(location.search).get("pose") || localStorage.getItem("backbuddy-pose");
  return ["page", "server"].includes(asked) ? asked : "auto";
}

function poseNote(text) {
  const note = document.getElementById("pose-note");
  if (note) note.textContent = text;
}

async function startCamera(maxFps, roles = false) {
  const asked = new URLSearchParams(location.search).get("fps") || localStorage.getItem("backbuddy-fps");
  const fps = cameraFps(asked, needFps, maxFps);
  camera = new Camera(video, {
    fps,
    audio: listening.withCamera, // the pair agreed to listening before: one request for both
    send: (buf) => link.sendFrame(buf),
    onError: (text) => { document.getElementById("camera-note").textContent = text; },
  });
  const own = camera;
  document.getElementById("camera-note").textContent = "";
  const opened = await own.open();
  listening.cameraOpened(own.audioTrack || null);
  if (!opened) return;
  if (phoneIsCamera() || camera !== own) { // a phone was paired meanwhile
    own.stop({ keepAudio: true });
    return releaseCamera();
  }
  const choice = poseChoice();
  if (choice === "server") return serverPose("The camera watch was set to run on the server.");
  if (pageRefused) return serverPose(pageRefused);
  if (root.dataset.pagePose !== "1") return serverPose("This installation has no pose model for the page.");
  poseNote("Loading the pose model on this device…");
  pagePose = newPagePose(video, {
    device: "device",
    maxFps,
    needFps,
    keep: choice === "page",
    roles,
    people: root.dataset.pagePeople === "1",
    send: (message) => link.sendLandmarks(message),
    onPose: (p) => drawSkeleton(overlay, video, p.image && p.image.map((q) => [q[0], q[1], q[3]]), lastTracked),
    fallback: serverPose,
  });
  pose.stats = pagePose.stats;
  try {
    const delegate = await pagePose.start();
    if (!pagePose) return; // fell back while loading
    Object.assign(pose, { where: "page", reason: null });
    poseNote(pagePoseNote("device", delegate, roles, "the backbuddy server", pagePose.peopleProblem));
    pagePose.onPeopleProblem = (why) => poseNote(pagePoseNote("device", delegate, roles, "the backbuddy server", why));
  } catch (err) {
    serverPose(`The pose model could not start on this device (${err.message}).`);
  }
}

function stopPagePose() {
  if (pagePose) pagePose.stop();
}

// The fallback: frames go to the backbuddy server, which works out the pose itself.
function serverPose(reason) {
  if (pagePose) pagePose.stop();
  pagePose = null;
  Object.assign(pose, { where: "server", reason });
  poseNote(`${reason} Camera pictures now go to the backbuddy server to be analysed there; `
    + "it keeps none of them.");
  if (camera) camera.startSending();
}

document.getElementById("stop").addEventListener("click", (e) => stop("button", e.timeStamp));
document.addEventListener("keydown", (e) => {
  if (e.key === " " || e.key === "Escape") {
    e.preventDefault();
    if (!e.repeat) stop("key", e.timeStamp);
  }
});
document.addEventListener("keyup", (e) => {
  if (e.key === " ") e.preventDefault();
});
for (const button of document.querySelectorAll("[data-sensation]")) {
  button.addEventListener("click", (e) => press(
    { event: "sensation", sensation: button.dataset.sensation },
    { halts: button.dataset.halts === "1", started: e.timeStamp },
  ));
}
// The assistant felt resistance (pause and hold), or a click was heard (rest the region).
for (const button of document.querySelectorAll("[data-event]")) {
  button.addEventListener("click", () => press({ event: button.dataset.event }, {}));
}
document.getElementById("ready").addEventListener("click", () => press({ event: "ready" }, {}));
document.getElementById("resume").addEventListener("click", () => {
  resumeAsked = true;
  press({ event: "resume" }, {});
});
document.getElementById("end").addEventListener("click", () => press({ event: "end" }, {}));
// What the pop is: shown in set-up the first time a technique is done, and on this device
// until read; it goes away once the first attempt begins (it was shown before it).
const popNote = document.getElementById("pop-note");
const popKey = `backbuddy-pop-read:${popNote.dataset.technique}`;
const popRead = () => { popNote.hidden = true; localStorage.setItem(popKey, "1"); };
if (popNote.dataset.first !== "1" && localStorage.getItem(popKey)) popNote.hidden = true;
document.getElementById("pop-read").addEventListener("click", popRead);
new MutationObserver(() => {
  if (!popNote.hidden && !["idle", "setup"].includes(root.dataset.mode)) popRead();
}).observe(root, { attributes: true, attributeFilter: ["data-mode"] });
window.addEventListener("pagehide", () => {
  if (pagePose) pagePose.stop();
  if (camera) camera.stop();
  listening.stop();
  link.close();
});
link.connect();
