// The phone as the session's camera: the same camera and page-side pose as the laptop's
// session page (camera.js, pose_page.js: landmarks, or JPEG frames when the phone is too
// slow), sent over the phone's own frame socket; and a big Stop that halts the session
// exactly like the laptop's. The laptop keeps the guide, the voice, Resume and End.

import { Camera } from "./camera.js";
import { Link } from "./link.js";
import { drawSkeleton } from "./overlay.js";
import { cameraFps, newPagePose, pagePoseNote } from "./pose_page.js";

const root = document.getElementById("main");
const video = document.getElementById("video");
const overlay = document.getElementById("overlay");
const stateText = document.getElementById("phone-state");
let camera = null;
let pagePose = null;
let lastTracked = false;
let presses = 0;
let over = false;
let needFps = 0; // the technique's least frames a second (hello.min_fps; 0: none)
let pageRefused = null; // why this session's pose must run on the server (hello.page_pose_refused)
// Read by the browser tests: where the pose runs, and what was sent.
const pose = { where: null, reason: null, stats: null };
const timings = { presses: {}, frames: 0 };
window.backbuddy = { pose, timings };

const MODES = {
  idle: "Starting…",
  setup: "Set-up: the laptop shows the steps. Keep this phone still.",
  attempt: "Filming: keep this phone still.",
  paused: "Paused: the laptop says how to carry on.",
  halted: "Stopped: hold still and release gently.",
  ended: "The session is over. You can close this page.",
};

const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/phone/${root.dataset.session}`;
const link = new Link(url, { onMessage, onStatus });

function say(text) {
  stateText.textContent = text;
}

function onStatus(status, code) {
  root.dataset.link = status;
  const pill = document.getElementById("link-status");
  pill.textContent = { up: "Connected", down: "Reconnecting…", connecting: "Connecting…" }[status]
    || { 4401: "Not paired", 4404: "Session over", 4409: "Open in another tab" }[code] || "Disconnected";
  if (status === "closed" && root.dataset.mode !== "gone") finish(code === 4409
    ? "This phone's camera is open in another tab."
    : over ? MODES.ended : "This phone is no longer the camera. Scan the code on the laptop to pair again.");
}

// What the server says the person at the phone must know: the camera's picture stopped
// changing (camera_frozen: movement pauses until it moves again), its view arrives late
// (camera_late: movement waits until it is live again), or the session was stopped
// elsewhere (a screening answered since, a symptom felt in another session). Shown here, not
// only on the laptop: the phone is what they look at while it films.
function showAlert(msg) {
  const box = document.getElementById("phone-alert");
  box.textContent = msg.code === "camera_frozen" ? `Camera frozen: ${msg.message}` : msg.message;
  box.hidden = false;
  root.dataset.alert = msg.code;
}

// Takes the alert down when it is the one for `code` (another alert stays up).
function clearAlert(code) {
  if (root.dataset.alert !== code) return;
  const box = document.getElementById("phone-alert");
  box.textContent = "";
  box.hidden = true;
  root.dataset.alert = "";
}

function finish(text) {
  if (pagePose) pagePose.stop();
  pagePose = null;
  if (camera) camera.stop();
  camera = null;
  root.dataset.mode = "gone";
  say(text);
}

function onMessage(msg) {
  switch (msg.type) {
    case "hello":
      needFps = msg.min_fps || 0;
      pageRefused = msg.page_pose_refused || null;
      if (msg.camera && !camera) startCamera(msg.max_fps, Boolean(msg.roles));
      break;
    case "camera_moving": // the picture moves again after camera_frozen
      clearAlert("camera_frozen");
      break;
    case "camera_live": // the landmarks arrive in time again after camera_late
      clearAlert("camera_late");
      break;
    case "role": // where the receiver is (two-person step, roles.js)
    case "role_wanted": // the server wants a role frame now (the landmarks jumped)
      if (pagePose) pagePose.role(msg);
      break;
    case "state":
      root.dataset.mode = msg.mode;
      if (msg.mode === "halted") root.dataset.halted = "1";
      else if (["setup", "attempt"].includes(msg.mode)) root.dataset.halted = "0";
      if (msg.ended) {
        over = true;
        finish(MODES.ended);
        link.close();
      } else {
        say(MODES[msg.mode] || msg.mode);
      }
      break;
    case "frame":
      timings.frames += msg.analysed || 1; // one answer may stand for several page landmarks
      if (camera) camera.answered(msg.seq);
      lastTracked = msg.tracked;
      if (!pagePose) drawSkeleton(overlay, video, msg.landmarks, msg.tracked);
      break;
    case "cues":
      if (msg.ref && timings.presses[msg.ref]) {
        timings.presses[msg.ref].halted = msg.cues.some((c) => c.kind === "halt");
      }
      break;
    case "error":
      if (msg.code === "not_supported" && pagePose) serverPose(msg.message || "This server cannot take poses worked out in the page.");
      else if (msg.fatal) finish(msg.code === "unpaired" && over ? MODES.ended : `Stopped: ${msg.message}`);
      else if (msg.message) showAlert(msg);
      break;
    default:
      break;
  }
}

function poseChoice() {
  const asked = new URLSearchParams(location.search).get("pose") || localStorage.getItem("backbuddy-pose");
  return ["page", "server"].includes(asked) ? asked : "auto";
}

function poseNote(text) {
  document.getElementById("pose-note").textContent = text;
}

async function startCamera(maxFps, roles = false) {
  const fps = cameraFps(localStorage.getItem("backbuddy-fps"), needFps, maxFps);
  camera = new Camera(video, {
    fps,
    send: (buf) => link.sendFrame(buf),
    onError: (text) => { document.getElementById("camera-note").textContent = text; },
  });
  if (!(await camera.open())) return;
  const choice = poseChoice();
  if (choice === "server") return serverPose("The camera watch was set to run on the server.");
  if (pageRefused) return serverPose(pageRefused);
  if (root.dataset.pagePose !== "1") return serverPose("This installation has no pose model for the page.");
  poseNote("Loading the pose model on this phone…");
  pagePose = newPagePose(video, {
    device: "phone",
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
    if (!pagePose) return;
    Object.assign(pose, { where: "page", reason: null });
    poseNote(pagePoseNote("phone", delegate, roles, "the backbuddy server on the laptop", pagePose.peopleProblem));
    pagePose.onPeopleProblem = (why) => poseNote(pagePoseNote("phone", delegate, roles, "the backbuddy server on the laptop", why));
  } catch (err) {
    serverPose(`The pose model could not start on this phone (${err.message}).`);
  }
}

// The fallback: frames go to the backbuddy server on the laptop, which works out the pose.
function serverPose(reason) {
  if (pagePose) pagePose.stop();
  pagePose = null;
  Object.assign(pose, { where: "server", reason });
  poseNote(`${reason} Camera pictures now go over your home network to the backbuddy server `
    + "on the laptop to be analysed there; it keeps none of them.");
  if (camera) camera.startSending();
}

// Stop first, then tell: the phone shows the halt in the same task as the press.
function stop(started) {
  const ref = `p${++presses}`;
  root.dataset.halted = "1";
  say(MODES.halted);
  timings.presses[ref] = { t0: started, local_ms: performance.now() - started };
  link.sendEvent({ event: "stop", source: "button" }, ref);
}

document.getElementById("stop").addEventListener("click", (e) => stop(e.timeStamp));
window.addEventListener("pagehide", () => {
  if (pagePose) pagePose.stop();
  if (camera) camera.stop();
  link.close();
});
link.connect();
