"""XMLDSig enveloped signatures (RSA-SHA1) over CEB messages, and their verification.

The E-port expects what its own card-based signer produces (and what the official samples show): one
``ds:Signature`` child of the message root, ``Reference URI=""`` with the enveloped-signature transform,
SHA-1 digest, RSA-SHA1 signature over inclusive C14N 1.0 of ``SignedInfo``, and the certificate in
``KeyInfo``. The real key lives on the enterprise's E-port card, behind some adapter implementing `Signer`;
`LocalKeySigner` signs with a key held in the process (tests, development).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from .codec import MESSAGE_SPECS, XML_DECLARATION
from .model import CEB_NS, DS_NS, SignatureSpec, xml_parser

C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

_DIGESTS = {SHA1: hashlib.sha1, SHA256: hashlib.sha256}
_SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {RSA_SHA1: hashes.SHA1, RSA_SHA256: hashes.SHA256}


def _ds(name: str) -> str:
    return f"{{{DS_NS}}}{name}"


@runtime_checkable
class Signer(Protocol):
    """Anything that turns an unsigned CEB document into a signed one."""

    def sign(self, xml: bytes) -> bytes:
        """Return ``xml`` with an enveloped ``ds:Signature`` added."""
        ...


class SignatureError(ValueError):
    """A signature is missing, malformed, uses an unsupported algorithm, or does not verify."""


@dataclass(frozen=True)
class LocalKeySigner:
    """RSA-SHA1 XMLDSig signer with a private key held in this process.

    ``exclusive`` switches both the SignedInfo canonicalisation and the reference transform to exclusive
    C14N; the default, inclusive C14N, is what the official samples use.
    """

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate | None = None
    key_name: str | None = None
    exclusive: bool = False

    @classmethod
    def generate(
        cls, *, key_size: int = 2048, common_name: str = "LivePark test signer", exclusive: bool = False
    ) -> LocalKeySigner:
        """A signer with a fresh RSA key and a self-signed certificate (for tests and development)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert, key_name=f"{cert.serial_number:x}"[:16], exclusive=exclusive)

    def sign(self, xml: bytes) -> bytes:
        """Add an enveloped RSA-SHA1 ``ds:Signature`` at the place the message's schema expects it."""
        root = etree.fromstring(xml, xml_parser())
        if root.find(_ds("Signature")) is not None:
            raise SignatureError("document is already signed")
        tree = root.getroottree()
        c14n_alg = EXC_C14N if self.exclusive else C14N
        transforms = [ENVELOPED, EXC_C14N] if self.exclusive else [ENVELOPED]

        sig = etree.Element(_ds("Signature"), nsmap={"ds": DS_NS})
        signed_info = etree.SubElement(sig, _ds("SignedInfo"))
        etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=c14n_alg)
        etree.SubElement(signed_info, _ds("SignatureMethod"), Algorithm=RSA_SHA1)
        ref = etree.SubElement(signed_info, _ds("Reference"), URI="")
        tr = etree.SubElement(ref, _ds("Transforms"))
        for alg in transforms:
            etree.SubElement(tr, _ds("Transform"), Algorithm=alg)
        etree.SubElement(ref, _ds("DigestMethod"), Algorithm=SHA1)
        digest_value = etree.SubElement(ref, _ds("DigestValue"))
        sig_value = etree.SubElement(sig, _ds("SignatureValue"))
        if self.certificate is not None or self.key_name is not None:
            key_info = etree.SubElement(sig, _ds("KeyInfo"))
            if self.key_name is not None:
                etree.SubElement(key_info, _ds("KeyName")).text = self.key_name
            if self.certificate is not None:
                der = self.certificate.public_bytes(serialization.Encoding.DER)
                data = etree.SubElement(key_info, _ds("X509Data"))
                etree.SubElement(data, _ds("X509Certificate")).text = base64.b64encode(der).decode()
        _insert_signature(root, sig)

        # Digest and signature are computed in place, with the same code that verifies them.
        digest = hashlib.sha1(_reference_octets(tree, sig, transforms)).digest()
        digest_value.text = base64.b64encode(digest).decode()
        signed = etree.tostring(signed_info, method="c14n", exclusive=self.exclusive, with_comments=False)
        value = self.private_key.sign(signed, padding.PKCS1v15(), hashes.SHA1())
        sig_value.text = base64.b64encode(value).decode()
        return XML_DECLARATION + etree.tostring(tree, encoding="UTF-8")

    def verify(self, xml: bytes) -> bool:
        """Whether ``xml`` carries a valid signature made with this signer's key."""
        return verify(xml, self.private_key.public_key())


def _insert_signature(root: Any, sig: Any) -> None:
    # The signature goes before whatever the message schema lists after it (export: ExtendMessage),
    # otherwise last. Unknown roots just get it appended.
    later: set[str] = set()
    q = etree.QName(root)
    spec = MESSAGE_SPECS.get(q.localname) if q.namespace == CEB_NS else None
    if spec is not None:
        names = [m.name for m in spec.members]
        at = next(i for i, m in enumerate(spec.members) if isinstance(m, SignatureSpec))
        later = set(names[at + 1 :])
    for i, c in enumerate(root):
        if (
            isinstance(c.tag, str)
            and etree.QName(c).namespace == CEB_NS
            and etree.QName(c).localname in later
        ):
            root.insert(i, sig)
            return
    root.append(sig)


def _reference_octets(tree: Any, sig: Any, transforms: list[str]) -> bytes:
    """The octets a ``Reference URI=""`` digests: the document without the signature, canonicalised."""
    root = tree.getroot()
    index = list(root).index(sig)
    doc = copy.deepcopy(tree)
    copy_sig = doc.getroot()[index]
    # Enveloped-signature removes the element only; its tail text stays in the document.
    if copy_sig.tail:
        prev = copy_sig.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + copy_sig.tail
        else:
            parent = copy_sig.getparent()
            parent.text = (parent.text or "") + copy_sig.tail
    copy_sig.getparent().remove(copy_sig)
    exclusive = transforms[-1] == EXC_C14N
    return etree.tostring(doc, method="c14n", exclusive=exclusive, with_comments=False)


def check_signature(xml: bytes, key: rsa.RSAPublicKey | x509.Certificate) -> None:
    """Verify the enveloped signature of a CEB document; raise `SignatureError` saying what is wrong.

    Only the profile the E-port uses is accepted: one ``ds:Signature`` directly under the root, one
    ``Reference URI=""`` with the enveloped transform (optionally followed by a C14N transform), SHA-1 or
    SHA-256 digests, RSA-SHA1 or RSA-SHA256 signatures.
    """
    public_key = key.public_key() if isinstance(key, x509.Certificate) else key
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SignatureError("only RSA keys are supported")
    try:
        root = etree.fromstring(xml, xml_parser())
    except etree.XMLSyntaxError as exc:
        raise SignatureError(f"not well-formed XML: {exc}") from None
    sigs = root.findall(_ds("Signature"))
    if len(sigs) != 1:
        raise SignatureError("no ds:Signature under the root" if not sigs else "more than one ds:Signature")
    sig = sigs[0]
    signed_info = sig.find(_ds("SignedInfo"))
    if signed_info is None:
        raise SignatureError("ds:SignedInfo missing")
    c14n_alg = _algorithm(signed_info, "CanonicalizationMethod")
    if c14n_alg not in (C14N, EXC_C14N):
        raise SignatureError(f"unsupported CanonicalizationMethod {c14n_alg}")
    sig_alg = _algorithm(signed_info, "SignatureMethod")
    if sig_alg not in _SIGNATURE_HASHES:
        raise SignatureError(f"unsupported SignatureMethod {sig_alg}")
    refs = signed_info.findall(_ds("Reference"))
    if len(refs) != 1 or refs[0].get("URI") != "":
        raise SignatureError('exactly one Reference with URI="" is supported')
    ref = refs[0]
    transforms = [t.get("Algorithm") for t in ref.findall(f"{_ds('Transforms')}/{_ds('Transform')}")]
    if not transforms or transforms[0] != ENVELOPED or transforms[1:] not in ([], [C14N], [EXC_C14N]):
        raise SignatureError(f"unsupported Transforms {transforms}")
    digest_alg = _algorithm(ref, "DigestMethod")
    if digest_alg not in _DIGESTS:
        raise SignatureError(f"unsupported DigestMethod {digest_alg}")

    expected = _b64(ref.findtext(_ds("DigestValue")), "DigestValue")
    actual = _DIGESTS[digest_alg](_reference_octets(root.getroottree(), sig, transforms)).digest()
    if not hmac.compare_digest(expected, actual):
        raise SignatureError("digest mismatch: the signed content was changed")
    signed = etree.tostring(signed_info, method="c14n", exclusive=c14n_alg == EXC_C14N, with_comments=False)
    value = _b64(sig.findtext(_ds("SignatureValue")), "SignatureValue")
    try:
        public_key.verify(value, signed, padding.PKCS1v15(), _SIGNATURE_HASHES[sig_alg]())
    except InvalidSignature:
        raise SignatureError("SignatureValue does not verify with this key") from None


def verify(xml: bytes, key: rsa.RSAPublicKey | x509.Certificate) -> bool:
    """Whether the document's enveloped signature verifies with ``key`` (see `check_signature`)."""
    try:
        check_signature(xml, key)
    except SignatureError:
        return False
    return True


def embedded_certificate(xml: bytes) -> x509.Certificate | None:
    """The certificate in the signature's ``KeyInfo``, if any. Trusting it is the caller's decision."""
    root = etree.fromstring(xml, xml_parser())
    text = root.findtext(f"{_ds('Signature')}/{_ds('KeyInfo')}/{_ds('X509Data')}/{_ds('X509Certificate')}")
    return None if text is None else x509.load_der_x509_certificate(_b64(text, "X509Certificate"))


def _algorithm(parent: Any, name: str) -> str | None:
    el = parent.find(_ds(name))
    return None if el is None else el.get("Algorithm")


def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError:
        raise SignatureError(f"{what} is not base64") from None
