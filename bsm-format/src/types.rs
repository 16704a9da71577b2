//! Small typed values that appear in many tokens: times, event numbers, modifiers, errnos,
//! addresses and byte strings. Wire constants are open newtypes: unknown values survive decoding.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Serialize, Serializer};

/// A BSM time stamp: seconds since the Unix epoch and milliseconds, as written.
///
/// The millisecond field is kept as written even when it is 1000 or more (producers write
/// `tv_usec / 1000`, but hand-made or corrupt trails may not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Time {
    /// Seconds since the epoch (UTC).
    pub sec: u64,
    /// Milliseconds (as written: 0-999 from real producers, not checked).
    pub msec: u64,
}

impl Time {
    /// A time of `sec` seconds and `msec` milliseconds.
    pub fn new(sec: u64, msec: u64) -> Time {
        Time { sec, msec }
    }

    /// The time as a chrono UTC date-time, if it is representable.
    #[cfg(feature = "chrono")]
    pub fn to_utc(self) -> Option<chrono::DateTime<chrono::Utc>> {
        let sec = i64::try_from(self.sec).ok()?;
        let ms = i64::try_from(self.msec).ok()?;
        chrono::DateTime::from_timestamp(sec, 0)?
            .checked_add_signed(chrono::TimeDelta::try_milliseconds(ms)?)
    }

    /// Milliseconds since the epoch, saturating.
    pub fn as_millis(self) -> u128 {
        self.sec as u128 * 1000 + self.msec as u128
    }
}

/// An audit event number (the header's event type), e.g. 23 = execve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct EventType(pub u16);

impl EventType {
    // The events the tools and the generator name (OpenBSM numbering; macOS's for its own).
    /// AUE_EXIT: a process exits (its exit token holds the status).
    pub const EXIT: EventType = EventType(1);
    /// AUE_FORK.
    pub const FORK: EventType = EventType(2);
    /// AUE_OPEN: open(2) where the kernel did not split it by flags.
    pub const OPEN: EventType = EventType(3);
    /// AUE_UNLINK.
    pub const UNLINK: EventType = EventType(6);
    /// AUE_CHMOD.
    pub const CHMOD: EventType = EventType(10);
    /// AUE_KILL: a signal sent.
    pub const KILL: EventType = EventType(15);
    /// AUE_EXECVE.
    pub const EXECVE: EventType = EventType(23);
    /// AUE_VFORK.
    pub const VFORK: EventType = EventType(25);
    /// AUE_CONNECT.
    pub const CONNECT: EventType = EventType(32);
    /// AUE_ACCEPT.
    pub const ACCEPT: EventType = EventType(33);
    /// AUE_BIND.
    pub const BIND: EventType = EventType(34);
    /// AUE_RENAME.
    pub const RENAME: EventType = EventType(42);
    /// AUE_OPEN_R: open(2) for reading.
    pub const OPEN_R: EventType = EventType(72);
    /// AUE_OPEN_WC: open(2) for writing, creating.
    pub const OPEN_WC: EventType = EventType(77);
    /// AUE_OPEN_RW: open(2) for reading and writing.
    pub const OPEN_RW: EventType = EventType(80);
    /// AUE_CLOSE.
    pub const CLOSE: EventType = EventType(112);
    /// AUE_SOCKET.
    pub const SOCKET: EventType = EventType(183);
    /// AUE_READ (not audited by default).
    pub const READ: EventType = EventType(192);
    /// AUE_WRITE (not audited by default).
    pub const WRITE: EventType = EventType(195);
    /// AUE_login: a login (userland).
    pub const LOGIN: EventType = EventType(6152);
    /// AUE_logout (userland).
    pub const LOGOUT: EventType = EventType(6153);
    /// AUE_LISTEN (macOS numbering).
    pub const LISTEN: EventType = EventType(43140);
    /// AUE_MAC_EXECVE (macOS).
    pub const MAC_EXECVE: EventType = EventType(43131);
    /// AUE_POSIX_SPAWN (macOS).
    pub const POSIX_SPAWN: EventType = EventType(43190);
}

bitflags::bitflags! {
    /// The header's event modifier.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Modifier: u16 {
        /// PAD_NOTATTR: the event is not attributable to a user.
        const NOT_ATTRIBUTABLE = 0x4000;
        /// PAD_FAILURE: the event failed.
        const FAILURE = 0x8000;
    }
}

impl Serialize for Modifier {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.bits())
    }
}

/// A BSM errno as carried by return tokens. These are Solaris-derived numbers shared by all
/// BSM producers, not the errno of any one operating system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct BsmErrno(pub u8);

impl BsmErrno {
    /// Errno 0: the call succeeded.
    pub const SUCCESS: BsmErrno = BsmErrno(0);

    /// Whether this is [`BsmErrno::SUCCESS`].
    pub fn is_success(self) -> bool {
        self.0 == 0
    }

    /// The symbolic name (`ENOENT`), if the number is defined.
    pub fn name(self) -> Option<&'static str> {
        crate::tables::errno(self.0).map(|e| e.name)
    }

    /// BSD's description (`No such file or directory`), if the number is defined.
    pub fn description(self) -> Option<&'static str> {
        crate::tables::errno(self.0).map(|e| e.description)
    }
}

/// An IPv4 or IPv6 address as written (network byte order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    /// IPv4, network byte order.
    V4([u8; 4]),
    /// IPv6, network byte order.
    V6([u8; 16]),
}

impl Address {
    /// As a standard library address.
    pub fn ip(&self) -> IpAddr {
        match *self {
            Address::V4(a) => IpAddr::V4(Ipv4Addr::from(a)),
            Address::V6(a) => IpAddr::V6(Ipv6Addr::from(a)),
        }
    }

    /// The BSM address-type code: 4 or 16, which is also the length.
    pub fn type_code(&self) -> u32 {
        match self {
            Address::V4(_) => 4,
            Address::V6(_) => 16,
        }
    }

    /// The address bytes as written (4 or 16).
    pub fn bytes(&self) -> &[u8] {
        match self {
            Address::V4(a) => a,
            Address::V6(a) => a,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ip().fmt(f)
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.ip())
    }
}

/// Bytes of a string field exactly as written in the trail: for counted strings this includes
/// the trailing NUL when the producer wrote one. Serialized losslessly: as a JSON string when the
/// text (without its terminating NUL) is UTF-8 without other NULs, else as `{"base64": "..."}`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Text<'a>(pub &'a [u8]);

impl<'a> Text<'a> {
    /// The raw bytes, including any terminating NUL.
    pub fn raw(&self) -> &'a [u8] {
        self.0
    }

    /// The text without its terminating NUL (one trailing NUL is removed).
    pub fn bytes(&self) -> &'a [u8] {
        match self.0.split_last() {
            Some((0, rest)) => rest,
            _ => self.0,
        }
    }

    /// The text as UTF-8, with invalid sequences replaced.
    pub fn to_string_lossy(&self) -> std::borrow::Cow<'a, str> {
        String::from_utf8_lossy(self.bytes())
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0.escape_ascii().to_string())
    }
}

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_bytes_lossless(self.bytes(), s)
    }
}

/// Serializes bytes as a string when they are UTF-8 without NUL, else as `{"base64": ...}`
/// (standard alphabet, padded).
pub(crate) fn serialize_bytes_lossless<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    match std::str::from_utf8(b) {
        Ok(t) if !t.contains('\0') => s.serialize_str(t),
        _ => {
            use base64::Engine;
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry(
                "base64",
                &base64::engine::general_purpose::STANDARD.encode(b),
            )?;
            m.end()
        }
    }
}

/// Serializes raw bytes as lowercase hex.
pub(crate) fn serialize_hex<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&Hex(b))
}

/// Displays bytes as lowercase hex without a prefix.
pub struct Hex<'a>(pub &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Formats a 16-byte UUID in the canonical 8-4-4-4-12 form.
pub struct Uuid<'a>(pub &'a [u8; 16]);

impl fmt::Display for Uuid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = self.0;
        write!(
            f,
            "{}-{}-{}-{}-{}",
            Hex(&u[0..4]),
            Hex(&u[4..6]),
            Hex(&u[6..8]),
            Hex(&u[8..10]),
            Hex(&u[10..16])
        )
    }
}

pub(crate) fn serialize_uuid<S: Serializer>(u: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&Uuid(u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strips_one_trailing_nul_and_serializes_losslessly() {
        assert_eq!(Text(b"/etc\0").bytes(), b"/etc");
        assert_eq!(Text(b"/etc").bytes(), b"/etc");
        assert_eq!(serde_json::to_string(&Text(b"/etc\0")).unwrap(), "\"/etc\"");
        assert_eq!(
            serde_json::to_string(&Text(b"\xff\0")).unwrap(),
            "{\"base64\":\"/w==\"}"
        );
        assert_eq!(
            serde_json::to_string(&Text(b"a\0b\0")).unwrap(),
            "{\"base64\":\"YQBi\"}"
        );
    }

    #[test]
    #[cfg(feature = "chrono")]
    fn time_converts_to_chrono() {
        let t = Time::new(1_700_000_000, 123).to_utc().unwrap();
        assert_eq!(t.to_rfc3339(), "2023-11-14T22:13:20.123+00:00");
        assert!(Time::new(u64::MAX, 0).to_utc().is_none());
    }
}
