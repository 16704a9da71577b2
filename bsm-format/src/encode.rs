//! Building whole records: header with the right byte count, body tokens, trailer.

use crate::ids::{TRAILER_MAGIC, TRAILER_SIZE};
use crate::token::{Header, HeaderKind, HostAddress, Token, Trailer};
use crate::types::{Address, EventType, Modifier, Time};

/// The header version every current producer writes (OpenBSM 1.1).
pub const VERSION_OPENBSM11: u8 = 11;

/// Assembles a record: give it the header fields and the body tokens; `finish` computes the
/// byte count and appends the trailer.
///
/// ```
/// use bsm_format::{encode::RecordBuilder, Token, EventType, Time, types::Text};
/// let mut b = RecordBuilder::new(EventType(72), Time::new(1_700_000_000, 123));
/// b.push(&Token::Path(Text(b"/etc/passwd\0")));
/// let bytes = b.finish();
/// let rec = bsm_format::records(&bytes).next().unwrap().unwrap();
/// assert_eq!(rec.tokens().count(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct RecordBuilder {
    header: Header,
    body: Vec<u8>,
}

impl RecordBuilder {
    /// A header32 record, version 11, modifier 0.
    pub fn new(event: EventType, time: Time) -> RecordBuilder {
        RecordBuilder {
            header: Header {
                kind: HeaderKind::Header32,
                size: 0,
                version: VERSION_OPENBSM11,
                event,
                modifier: Modifier::empty(),
                host: None,
                time,
            },
            body: Vec::new(),
        }
    }

    /// Uses a 64-bit header.
    pub fn header64(mut self) -> Self {
        self.header.kind = match self.header.kind {
            HeaderKind::Header32 => HeaderKind::Header64,
            HeaderKind::Header32Ex => HeaderKind::Header64Ex,
            k => k,
        };
        self
    }

    /// Adds the audit host's address (an `_ex` header).
    pub fn host(mut self, addr: Address) -> Self {
        self.header.kind = if self.header.kind.is_64() {
            HeaderKind::Header64Ex
        } else {
            HeaderKind::Header32Ex
        };
        self.header.host = Some(HostAddress::Ip(addr));
        self
    }

    /// Sets the header's event modifier (default: none).
    pub fn modifier(mut self, m: Modifier) -> Self {
        self.header.modifier = m;
        self
    }

    /// Sets the header's version byte (default 11, as xnu and FreeBSD write).
    pub fn version(mut self, v: u8) -> Self {
        self.header.version = v;
        self
    }

    /// Appends a body token.
    pub fn push(&mut self, t: &Token<'_>) -> &mut Self {
        t.encode(&mut self.body);
        self
    }

    /// Appends already-encoded token bytes.
    pub fn push_raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.body.extend_from_slice(bytes);
        self
    }

    /// The record's bytes.
    pub fn finish(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.finish_into(&mut out);
        out
    }

    /// Appends the record's bytes to `out`.
    pub fn finish_into(&self, out: &mut Vec<u8>) {
        let mut h = self.header;
        let size = h.encoded_len() + self.body.len() + TRAILER_SIZE;
        h.size = u32::try_from(size).unwrap_or(u32::MAX);
        h.encode(out);
        out.extend_from_slice(&self.body);
        Trailer {
            magic: TRAILER_MAGIC,
            size: h.size,
        }
        .encode(out);
    }
}

/// A string with its terminating NUL, as counted-string tokens carry it.
pub fn with_nul(s: impl AsRef<[u8]>) -> Vec<u8> {
    let mut v = s.as_ref().to_vec();
    v.push(0);
    v
}
