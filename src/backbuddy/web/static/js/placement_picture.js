// The set-up page's picture of the live camera hint (issue 12): what to change about the
// camera (lower, raise, round to the side, forward, toward the feet or head), or a tick when
// the placement is one where the technique's measures hold. The server names the picture
// (`placement_picture`, motion/placement_gate.py PICTURES); the words are the hint's own.

const ALT = {
  lower: "Picture: the camera drawn high, an arrow down to about the receiver's chest height.",
  raise: "Picture: the camera drawn near the floor, an arrow up to about chest height.",
  side: "Picture, top view: the camera moved from straight in front round to the receiver's side.",
  forward: "Picture, top view: the camera moved from behind forward, to the receiver's side.",
  toward_feet: "Picture, top view: the camera moved along the lying receiver toward the feet.",
  toward_head: "Picture, top view: the camera moved along the lying receiver toward the head.",
  accepted: "Picture: a camera with a green tick. The camera is well placed.",
};
const FINE = "The camera is where it can follow this movement.";

export function showPlacementPicture(kind, hint) {
  const figure = document.getElementById("placement-live");
  if (!figure) return;
  if (!kind || !(kind in ALT)) {
    figure.hidden = true;
    delete figure.dataset.picture;
    return;
  }
  const img = figure.querySelector("img");
  const src = `/static/img/camera-${kind.replace(/_/g, "-")}.svg`;
  if (img.getAttribute("src") !== src) img.setAttribute("src", src);
  img.alt = ALT[kind];
  figure.querySelector("figcaption").textContent = kind === "accepted" ? FINE : hint || "";
  figure.dataset.picture = kind;
  figure.hidden = false;
}
