"""Pages and requests of the phone as the camera: the QR code, pairing, the phone page,
unpairing and the CA certificate to trust (`web.phone` holds the rules, `phone_socket`
the frames).

The laptop's set-up panel asks `POST /session/{id}/phone` for a pairing link and its QR
code (an SVG made here). The phone opens `/phone/{id}?pair=…`, which spends the token,
sets the phone's own key as a cookie and sends it on to `/phone/{id}` (so the token is
not left in the phone's history). The phone's pages pass the app's token check on
their own rules (`own_door`): a phone gets the pairing token, never the server's token.
"""

from __future__ import annotations

import base64
import ipaddress
import time
from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from backbuddy.config import is_loopback
from backbuddy.web import page_pose, page_roles
from backbuddy.web.deps import RegistryDep, TemplatesDep
from backbuddy.web.live import LiveSession
from backbuddy.web.phone import PHONE_COOKIE, PairingRefused, Phones
from backbuddy.web.security import LOOPBACK_NAMES
from backbuddy.web.tls import Certificates

router = APIRouter()


def phones_of(request: Request) -> Phones:
    phones: Phones = request.app.state.phones
    return phones


def own_door(request: Request) -> bool:
    """Requests that pass the app's token check on the phone's rules: the phone's pages and
    the CA certificate (they check the pairing themselves), and the page's static files for
    a paired phone."""
    path = request.url.path
    if path.startswith("/phone/"):
        return True
    key = request.cookies.get(PHONE_COOKIE)
    return path.startswith("/static/") and phones_of(request).any_device(key)


def _certificates(request: Request) -> Certificates | None:
    certs: Certificates | None = request.app.state.certificates
    return certs


def _json_refusal(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": "phone", "message": message}, status)


def phone_base(request: Request, listen_host: str, certs: Certificates | None) -> tuple[str, bool]:
    """The address a phone on the home network opens, and whether it can reach it at all.

    The laptop's own address when it is not a loopback name; else this machine's first
    home-network address when the server listens on it; else the loopback address
    (reachable from this machine only, as in the tests)."""
    scheme = "https" if certs is not None else "http"
    host = request.headers.get("host", "")
    name = urlsplit(f"//{host}").hostname or ""
    port = urlsplit(f"//{host}").port or (443 if scheme == "https" else 80)
    if name not in LOOPBACK_NAMES:
        return f"{scheme}://{host}", True
    if not is_loopback(listen_host) and certs is not None:
        lan = [a for a in certs.addresses if not ipaddress.ip_address(a).is_loopback]
        if lan:
            shown = f"[{lan[0]}]" if ":" in lan[0] else lan[0]
            return f"{scheme}://{shown}:{port}", True
    return f"{scheme}://{host}", False


def qr_svg(text: str) -> str:
    """The QR code of `text` as a data: URL of an SVG (black on white, quiet zone kept)."""
    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
    )
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _live(registry: RegistryDep, session_id: int) -> LiveSession | None:
    live = registry.get(session_id)
    return None if live is None or live.over else live


@router.post("/session/{session_id}/phone")
async def offer(request: Request, session_id: int, registry: RegistryDep) -> Response:
    """A new pairing link for this session, its QR code and the fingerprints to compare."""
    live = _live(registry, session_id)
    if live is None:
        return _json_refusal(404, f"session {session_id} is not running")
    if live.analyzer is None:
        return _json_refusal(409, "this session runs without the camera watch")
    phones = phones_of(request)
    try:
        token = phones.offer(session_id, time.monotonic())
    except PairingRefused as err:
        return _json_refusal(409, f"{str(err).capitalize()}.")
    certs = _certificates(request)
    base, reachable = phone_base(request, registry.settings.host, certs)
    url = f"{base}/phone/{session_id}?pair={token}"
    return JSONResponse(
        {
            "url": url,
            "qr": qr_svg(url),
            "https": certs is not None,
            "reachable": reachable,
            "ca_fingerprint": certs.ca_fingerprint if certs else None,
            "server_fingerprint": certs.server_fingerprint if certs else None,
            "ca_url": f"{base}/phone/ca.crt" if certs else None,
        }
    )


@router.post("/session/{session_id}/phone/unpair")
async def unpair(request: Request, session_id: int, registry: RegistryDep) -> Response:
    """Let the paired phone go: its socket closes and the laptop's camera may come back."""
    phones = phones_of(request)
    done = phones.unpair(session_id)
    live = registry.get(session_id)
    if live is not None:
        async with live.lock:
            live.phone = "none"
            live.publish_state()
    return JSONResponse({"unpaired": done})


@router.get("/phone/ca.crt")
def ca_certificate(request: Request) -> Response:
    """The local CA to install and trust on the phone (public: it holds no key)."""
    certs = _certificates(request)
    if certs is None:
        return HTMLResponse("<h1>No certificate</h1><p>This server does not use HTTPS.</p>", 404)
    return Response(
        certs.ca_cert.read_bytes(),
        media_type="application/x-x509-ca-cert",
        headers={"Content-Disposition": 'attachment; filename="backbuddy-ca.crt"'},
    )


@router.get("/phone/{session_id}")
async def phone_page(
    request: Request, session_id: int, registry: RegistryDep, templates: TemplatesDep
) -> Response:
    """With `?pair=`: spend the token, keep the phone's key, go on to the page; else the
    phone's camera page for the paired phone."""
    phones = phones_of(request)
    failures = request.app.state.token_failures
    client = request.client.host if request.client else None
    if wait := failures.locked(client):
        message = f"Too many wrong codes were tried; wait {wait:.0f} s."
        return _refused(templates, request, message, 429)
    token = request.query_params.get("pair")
    key = request.cookies.get(PHONE_COOKIE)
    if token is not None:
        if phones.device_ok(session_id, key):  # this phone again (the page reloaded)
            return RedirectResponse(f"/phone/{session_id}", status_code=303)
        try:
            device = phones.pair(session_id, token, time.monotonic())
        except PairingRefused as err:
            if err.reason in ("wrong", "used"):
                failures.failed()
            status = 409 if err.reason == "taken" else 403
            return _refused(templates, request, f"{str(err).capitalize()}.", status)
        live = registry.get(session_id)
        if live is not None:
            async with live.lock:
                live.phone = "paired"
                live.publish_state()
        response = RedirectResponse(f"/phone/{session_id}", status_code=303)
        response.set_cookie(
            PHONE_COOKIE,
            device,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response
    if not phones.device_ok(session_id, key):
        message = "This phone is not paired with a running session. Scan the code the laptop shows."
        return _refused(templates, request, message, 403)
    live = registry.get(session_id)
    roles = live is not None and page_roles.roles_of(live.analyzer) is not None
    refused = live is not None and page_pose.refusal(live.runner.state.technique, roles)
    context = {
        "session_id": session_id,
        "technique": live.runner.state.technique if live else None,
        "page_pose": page_pose.available() and not refused,
        "page_people": page_pose.people_available(),
    }
    return templates.TemplateResponse(request, "phone.html", context)


def _refused(templates: TemplatesDep, request: Request, message: str, status: int) -> Response:
    return templates.TemplateResponse(
        request, "phone_refused.html", {"message": message}, status_code=status
    )
