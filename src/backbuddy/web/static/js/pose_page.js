// Pose in the page (issue 15): the pose model runs on this device, in a worker, and only
// landmarks go to the server: camera pictures never leave the device. The page measures
// the rate it keeps; below the technique's minimum (hello.min_fps, the figure the engine
// pauses below; MIN_FPS when it has none) the speed watch cannot work, so the caller falls
// back to sending frames to the server (camera.js), and says so.

import { RoleFrames, RolePeople } from "./roles.js";

// The speed monitor needs at least this many poses a second (issue 15) when the technique
// names no minimum of its own (hello.min_fps).
export const MIN_FPS = 15;
// Poses not counted while the model warms up (graph start, first inferences).
const WARMUP_POSES = 5;
// The rate is judged over this span, and again on every pose after it.
const WINDOW_MS = 4000;
// The server analyses frames at most this wide; the model is no better for more pixels.
// The picture's shorter side at most (issue 12: capping the width gave a landscape camera
// 270 px of height, where a seated receiver read shifted views and late halts).
const MAX_SHORT_SIDE = 480;
// The two-person step's role frames start this long after the model's warm-up poses.
const ROLES_AFTER_MS = 1500;

// A real GPU behind WebGL2? Software renderers (SwiftShader, llvmpipe) are slower than
// the CPU delegate, so they count as none.
export function realWebGL2() {
  try {
    const gl = document.createElement("canvas").getContext("webgl2");
    if (!gl) return false;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    return !/swiftshader|llvmpipe|softpipe|software|basic render|microsoft basic/i.test(renderer);
  } catch {
    return false;
  }
}

export class PagePose {
  // send(message) → bool: hand a landmarks message to the socket.
  // onPose(pose): every pose, for the overlay. onSlow(fps): the rate fell below minFps.
  // roles: the two-person step is on (hello.roles): role frames go out, and the model runs
  // on the receiver's crop once the server has said where the receiver is (roles.js).
  // people: the page may run the people detector itself (the install vendored it).
  constructor(video, { send, onPose, onSlow, maxFps = 30, minFps = MIN_FPS, keep = false, roles = false, people = false }) {
    this.video = video;
    this.send = send;
    this.onPose = onPose;
    this.onSlow = onSlow;
    this.minGapMs = 1000 / maxFps;
    this.minFps = minFps;
    this.keep = keep; // asked for pose in the page whatever the rate
    this.worker = null;
    this.busy = false;
    this.stopped = false;
    this.lastSentMs = -Infinity;
    this.lastTakenMs = -Infinity;
    this.held = null;
    this.times = [];
    this.stats = { delegate: null, fps: null, poses: 0, sent: 0, inferMs: [], cropped: 0 };
    // The people detector runs here when it can (RolePeople), else pictures go (RoleFrames).
    this.roleFrames = roles ? new RolePeople(video, send) : null;
    this.people = people;
    this.receiver = null; // the newest role answer that found the receiver
    if (this.roleFrames) this.stats.roles = this.roleFrames.stats;
  }

  // Start the page's people detector; when it cannot run here, role frames instead.
  async startPeople() {
    if (!this.roleFrames) return null;
    try {
      if (!this.people) throw new Error("this installation has no people detector for the page");
      // localStorage backbuddy-people=server: role frames as before (a choice, and for tests).
      if (localStorage.getItem("backbuddy-people") === "server") throw new Error("it was set to run on the server");
      await this.roleFrames.load();
      this.roleFrames.onBroken = (why) => this.framesInstead(`it failed: ${why}`);
      return null;
    } catch (err) {
      this.framesInstead(err.message);
      return err.message;
    }
  }

  // Role frames instead of the page's people detector (it could not start, or broke);
  // onPeopleProblem(why) lets the caller say so.
  framesInstead(why) {
    const running = this.roleFrames && this.roleFrames.timer !== null;
    if (this.roleFrames) this.roleFrames.stop();
    this.roleFrames = new RoleFrames(this.video, this.send);
    Object.assign(this.roleFrames.stats, { where: "server", problem: why });
    this.stats.roles = this.roleFrames.stats;
    this.peopleProblem = why;
    if (running && !this.stopped) this.roleFrames.start();
    if (this.onPeopleProblem) this.onPeopleProblem(why);
  }

  // A `role` message from the server: where the receiver is (or unsure: the last place kept;
  // the server then marks the landmarks unsure).
  role(msg) {
    if (!this.roleFrames) return;
    if (msg.type === "role_wanted") {
      this.roleFrames.wanted();
      return;
    }
    this.roleFrames.answered(msg);
    if (msg.identity === "receiver" && msg.box && (!this.receiver || msg.ms > this.receiver.ms)) this.receiver = msg;
  }

  // Load the model; resolves to the delegate used, or throws when it cannot run here.
  async start() {
    const delegate = realWebGL2() ? "GPU" : "CPU";
    this.worker = new Worker("/static/js/pose_worker.js", { type: "module" });
    const loaded = new Promise((resolve, reject) => {
      this.worker.onmessage = ({ data }) => {
        if (data.type === "loaded") resolve(data.delegate);
        else if (data.type === "failed") reject(new Error(data.message));
      };
      this.worker.onerror = (e) => reject(new Error(e.message || "the pose worker failed"));
    });
    this.worker.postMessage({ type: "load", delegate });
    this.stats.delegate = await loaded;
    this.peopleProblem = await this.startPeople();
    this.worker.onmessage = ({ data }) => this.received(data);
    this.worker.onerror = () => this.slow(0);
    this.schedule();
    return this.stats.delegate;
  }

  schedule() {
    if (this.stopped) return;
    if ("requestVideoFrameCallback" in this.video) {
      this.video.requestVideoFrameCallback((now, meta) => this.frame(meta.captureTime > 0 ? meta.captureTime : now));
    } else {
      setTimeout(() => this.frame(performance.now()), this.minGapMs);
    }
  }

  // Every new camera frame is taken while the model is busy, replacing the one held, so
  // the model starts on a frame at most one camera frame old the moment it is free.
  async frame(ms) {
    this.schedule();
    const { videoWidth: vw, videoHeight: vh } = this.video;
    if (this.stopped || !vw || ms <= this.lastTakenMs || ms - this.lastSentMs < this.minGapMs - 1) return;
    this.lastTakenMs = ms;
    const scale = Math.min(1, MAX_SHORT_SIDE / Math.min(vw, vh));
    const size = [Math.round(vw * scale), Math.round(vh * scale)];
    let bitmap;
    try {
      bitmap = await createImageBitmap(this.video, { resizeWidth: size[0], resizeHeight: size[1] });
    } catch {
      return; // no frame yet (the video is starting): the next one
    }
    if (this.stopped) {
      bitmap.close();
      return;
    }
    if (this.held) this.held.bitmap.close();
    this.held = { bitmap, ms, size };
    this.pump();
  }

  pump() {
    if (this.busy || !this.held || this.stopped) return;
    const { bitmap, ms, size } = this.held;
    this.held = null;
    this.busy = true;
    this.lastSentMs = ms;
    this.size = size;
    this.worker.postMessage({ type: "frame", bitmap, ms, role: this.receiver }, [bitmap]);
  }

  received(data) {
    this.busy = false;
    if (this.stopped) return;
    if (data.type === "failed") {
      this.slow(0);
      return;
    }
    const stats = this.stats;
    stats.poses += 1;
    // Role frames start once the poses have flowed for a while after the model's warm-up
    // poses: the server learns the page's clock from them until its delay holds for a second
    // (page_pose.PageClock; a slow phone's first poses took 0.5 s, its role messages, quicker,
    // read as ahead of that delay); nothing else should load the device then.
    if (stats.poses > WARMUP_POSES) this.steadyAt ??= performance.now();
    const steadyMs = this.steadyAt === undefined ? 0 : performance.now() - this.steadyAt;
    if (this.roleFrames && steadyMs > ROLES_AFTER_MS) this.roleFrames.start();
    stats.inferMs.push(data.inferMs);
    if (stats.inferMs.length > 300) stats.inferMs.shift();
    const message = { v: 1, type: "landmarks", image: data.image, world: data.world, size: this.size, ms: data.ms };
    if (this.roleFrames) message.role_ms = data.roleMs;
    if (data.roleMs !== null && data.roleMs !== undefined) stats.cropped += 1;
    if (this.send(message)) stats.sent += 1;
    this.onPose(data);
    this.measure(performance.now());
    this.pump();
  }

  measure(now) {
    if (this.stats.poses <= WARMUP_POSES) return;
    this.times.push(now);
    while (this.times.length && now - this.times[0] > WINDOW_MS) this.times.shift();
    const span = now - (this.t0 ??= now);
    if (span < WINDOW_MS) return;
    this.stats.fps = (this.times.length - 1) / ((now - this.times[0]) / 1000);
    if (this.stats.fps < this.minFps) this.slow(this.stats.fps);
  }

  slow(fps) {
    if (this.keep && fps > 0) return;
    this.stop();
    this.onSlow(fps);
  }

  stop() {
    this.stopped = true;
    if (this.roleFrames) this.roleFrames.stop();
    if (this.held) this.held.bitmap.close();
    this.held = null;
    if (this.worker) this.worker.terminate();
    this.worker = null;
  }
}

// One page's pose model, as the session page and the phone's page both start it: the least
// rate it must keep (the technique's `needFps`, MIN_FPS when it names none; only ever raised,
// by localStorage backbuddy-pose-min-fps), and what to say when it falls short. `device`
// names the device in that sentence ("device", "phone").
export function newPagePose(video, { device, maxFps, needFps, keep, roles, people, send, onPose, fallback }) {
  const need = needFps > 0 ? needFps : MIN_FPS;
  const minFps = Math.max(need, Number(localStorage.getItem("backbuddy-pose-min-fps")) || 0);
  return new PagePose(video, {
    maxFps,
    minFps,
    keep,
    roles,
    people,
    send,
    onPose,
    onSlow: (rate) => fallback(rate > 0
      ? `This ${device} worked out the pose ${rate.toFixed(1)} times a second; the speed watch needs ${minFps}.`
      : `The pose model stopped working on this ${device}.`),
  });
}

// The frames a second the camera is asked for: `asked` (the fps setting) or 15, at least the
// technique's need (a slower camera could never be watched), at most the server's `maxFps`.
export function cameraFps(asked, needFps, maxFps) {
  return Math.min(Number(asked) || Math.max(15, Math.ceil(needFps || 0)), maxFps);
}

// The privacy line once the model runs in the page; `server` names where role frames go.
// `peopleProblem`: why the people detector could not run here (role frames instead), or null.
export function pagePoseNote(device, delegate, roles, server, peopleProblem = null) {
  const where = `The pose is worked out on this ${device} (${delegate === "GPU" ? "graphics chip" : "processor"})`;
  if (roles && peopleProblem) {
    return `${where}; body landmark positions go to backbuddy. The people detector that tells the receiver `
      + `from the assistant could not run on this ${device} (${peopleProblem}), so `
      + `a small picture also goes to ${server} now and then (a few at the start, then about one every 2 seconds, `
      + `and when the body seems to jump); it keeps none of them.`;
  }
  return roles
    ? `${where}, and so is who is the receiver and who the assistant: camera pictures never leave it; `
      + "only body landmark positions and the people's outlines go to backbuddy."
    : `${where}: camera pictures never leave it; only body landmark positions go to backbuddy.`;
}
