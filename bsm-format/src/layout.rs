//! The fixed parts of the common tokens as they lie on the wire (after the token id), each
//! written down once: the decoders read them in place through zerocopy's big-endian types (one
//! bounds check for a whole block), the encoders write them (object's `write_pod` idiom), and
//! [`crate::Record::scan`] takes token lengths from them.

use zerocopy::byteorder::big_endian::{U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::ids::TokenId;

/// What every header starts with: the record's size, the version, the event and its modifier.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct HeaderStart {
    pub size: U32,
    pub version: u8,
    pub event: U16,
    pub modifier: U16,
}

/// header32 ([`TokenId::HEADER32`]).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Header32 {
    pub start: HeaderStart,
    pub time: Time32,
}

/// header64 ([`TokenId::HEADER64`]).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Header64 {
    pub start: HeaderStart,
    pub time: Time64,
}

/// The start of header32_ex and header64_ex: the host address and the time follow.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct HeaderEx {
    pub start: HeaderStart,
    pub address_type: U32,
}

/// The time of a header32 or header32_ex (after the host address in the _ex kind).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Time32 {
    pub sec: U32,
    pub msec: U32,
}

/// The time of a header64 or header64_ex.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Time64 {
    pub sec: U64,
    pub msec: U64,
}

impl Time32 {
    /// The time as written (32-bit fields: values past them are cut, as producers' are).
    pub fn new(t: crate::Time) -> Time32 {
        Time32 {
            sec: U32::new(t.sec as u32),
            msec: U32::new(t.msec as u32),
        }
    }

    pub fn get(&self) -> crate::Time {
        crate::Time::new(self.sec.get() as u64, self.msec.get() as u64)
    }
}

impl Time64 {
    /// The time as written.
    pub fn new(t: crate::Time) -> Time64 {
        Time64 {
            sec: U64::new(t.sec),
            msec: U64::new(t.msec),
        }
    }

    pub fn get(&self) -> crate::Time {
        crate::Time::new(self.sec.get(), self.msec.get())
    }
}

/// The ids every subject and process token starts with.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Ids {
    pub auid: U32,
    pub euid: U32,
    pub egid: U32,
    pub ruid: U32,
    pub rgid: U32,
    pub pid: U32,
    pub sid: U32,
}

/// subject32 and process32 (0x24, 0x26).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Subject32 {
    pub ids: Ids,
    pub port: U32,
    pub addr: [u8; 4],
}

/// subject64 and process64 (0x75, 0x77).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Subject64 {
    pub ids: Ids,
    pub port: U64,
    pub addr: [u8; 4],
}

/// The start of subject32_ex and process32_ex (0x7a, 0x7b): 4 or 16 address bytes follow.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Subject32Ex {
    pub ids: Ids,
    pub port: U32,
    pub address_type: U32,
}

/// The start of subject64_ex and process64_ex (0x7c, 0x7d).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Subject64Ex {
    pub ids: Ids,
    pub port: U64,
    pub address_type: U32,
}

/// return32 (0x27).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Return32 {
    pub errno: u8,
    pub value: U32,
}

/// return64 (0x72).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Return64 {
    pub errno: u8,
    pub value: U64,
}

/// The start of arg32 (0x2d): a counted text follows.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Arg32 {
    pub argno: u8,
    pub value: U32,
    pub text_len: U16,
}

/// The start of arg64 (0x71).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Arg64 {
    pub argno: u8,
    pub value: U64,
    pub text_len: U16,
}

/// attr32 (0x3e).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Attr32 {
    pub mode: U32,
    pub uid: U32,
    pub gid: U32,
    pub fsid: U32,
    pub nodeid: U64,
    pub device: U32,
}

/// attr64 (0x73).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Attr64 {
    pub mode: U32,
    pub uid: U32,
    pub gid: U32,
    pub fsid: U32,
    pub nodeid: U64,
    pub device: U64,
}

/// exit (0x52).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Exit {
    pub status: U32,
    pub retval: U32,
}

/// sockinet32 (0x80).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct SockInet32 {
    pub family: U16,
    pub port: [u8; 2],
    pub addr: [u8; 4],
}

/// sockinet128 (0x81).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct SockInet128 {
    pub family: U16,
    pub port: [u8; 2],
    pub addr: [u8; 16],
}

/// trailer (0x13).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub(crate) struct Trailer {
    pub magic: U16,
    pub size: U32,
}

/// A fixed wire layout. `PARTS` names its pieces as a truncation error names them
/// (`subject.ids`, `subject.tid.port`), each with its size in bytes, in order: when a token is
/// cut short, the error names the first piece that does not fit, at the offset where it starts.
pub(crate) trait Layout:
    FromBytes + IntoBytes + KnownLayout + Immutable + Unaligned
{
    const PARTS: &'static [(&'static str, usize)];
}

/// Implements [`Layout`] for each type with its pieces, and checks at compile time that the
/// pieces add up to the type's size.
macro_rules! parts {
    ($($t:ty => [$(($what:literal, $n:expr)),* $(,)?];)*) => {$(
        impl Layout for $t {
            const PARTS: &'static [(&'static str, usize)] = &[$(($what, $n)),*];
        }
        const _: () = assert!(0 $(+ $n)* == core::mem::size_of::<$t>());
    )*};
}

parts! {
    Header32 => [("header.size+version+event+modifier", 9), ("header.time", 8)];
    Header64 => [("header.size+version+event+modifier", 9), ("header.time", 16)];
    HeaderEx => [("header.size+version+event+modifier", 9), ("header.address_type", 4)];
    Time32 => [("header.time", 8)];
    Time64 => [("header.time", 16)];
    Subject32 => [("subject.ids", 28), ("subject.tid.port", 4), ("subject.tid.addr", 4)];
    Subject64 => [("subject.ids", 28), ("subject.tid.port", 8), ("subject.tid.addr", 4)];
    Subject32Ex => [("subject.ids", 28), ("subject.tid.port", 4), ("subject.tid.type", 4)];
    Subject64Ex => [("subject.ids", 28), ("subject.tid.port", 8), ("subject.tid.type", 4)];
    Return32 => [("return.errno", 1), ("return.value", 4)];
    Return64 => [("return.errno", 1), ("return.value", 8)];
    Arg32 => [("arg.argno", 1), ("arg.value", 4), ("arg.text", 2)];
    Arg64 => [("arg.argno", 1), ("arg.value", 8), ("arg.text", 2)];
    Attr32 => [("attr", 24), ("attr.device", 4)];
    Attr64 => [("attr", 24), ("attr.device", 8)];
    Exit => [("exit.status", 4), ("exit.retval", 4)];
    SockInet32 => [("sockinet.family", 2), ("sockinet.port", 2), ("sockinet.addr", 4)];
    SockInet128 => [("sockinet.family", 2), ("sockinet.port", 2), ("sockinet.addr", 16)];
    Trailer => [("trailer.magic", 2), ("trailer.size", 4)];
}

/// Reads a layout at the start of `b` (one bounds check).
#[inline(always)]
pub(crate) fn read<T: FromBytes + KnownLayout + Immutable + Unaligned>(b: &[u8]) -> Option<&T> {
    T::ref_from_prefix(b).ok().map(|(t, _)| t)
}

/// How many bytes after its id the token at the start of `rest` takes, when it is one of the
/// common tokens and well formed; `None` sends the caller to the full decoder (an unusual token,
/// an address type other than 4 or 16, a length past the end).
#[inline(always)]
pub(crate) fn simple_len(id: u8, rest: &[u8]) -> Option<usize> {
    use core::mem::size_of;
    let ex_addr = |t: U32| match t.get() {
        4 => Some(4usize),
        16 => Some(16),
        _ => None,
    };
    let n = match TokenId(id) {
        TokenId::SUBJECT32 | TokenId::PROCESS32 => size_of::<Subject32>(),
        TokenId::SUBJECT64 | TokenId::PROCESS64 => size_of::<Subject64>(),
        TokenId::SUBJECT32_EX | TokenId::PROCESS32_EX => {
            size_of::<Subject32Ex>() + ex_addr(read::<Subject32Ex>(rest)?.address_type)?
        }
        TokenId::SUBJECT64_EX | TokenId::PROCESS64_EX => {
            size_of::<Subject64Ex>() + ex_addr(read::<Subject64Ex>(rest)?.address_type)?
        }
        TokenId::RETURN32 => size_of::<Return32>(),
        TokenId::RETURN64 => size_of::<Return64>(),
        TokenId::ARG32 => size_of::<Arg32>() + read::<Arg32>(rest)?.text_len.get() as usize,
        TokenId::ARG64 => size_of::<Arg64>() + read::<Arg64>(rest)?.text_len.get() as usize,
        // path, text, zonename: a u16 length and the bytes.
        TokenId::PATH | TokenId::TEXT | TokenId::ZONENAME => 2 + read::<U16>(rest)?.get() as usize,
        TokenId::ATTR32 => size_of::<Attr32>(),
        TokenId::ATTR64 => size_of::<Attr64>(),
        TokenId::EXIT => size_of::<Exit>(),
        TokenId::SEQ => 4,
        TokenId::SOCKINET32 => size_of::<SockInet32>(),
        TokenId::SOCKINET128 => size_of::<SockInet128>(),
        _ => return None,
    };
    (n <= rest.len()).then_some(n)
}

/// The length after its id of a header token at the start of `rest`, when well formed.
#[inline(always)]
pub(crate) fn header_len(id: u8, rest: &[u8]) -> Option<usize> {
    use core::mem::size_of;
    let n = match TokenId(id) {
        TokenId::HEADER32 => size_of::<Header32>(),
        TokenId::HEADER64 => size_of::<Header64>(),
        TokenId::HEADER32_EX | TokenId::HEADER64_EX => {
            let addr = match read::<HeaderEx>(rest)?.address_type.get() {
                4 => 4,
                16 => 16,
                _ => return None,
            };
            size_of::<HeaderEx>()
                + addr
                + if TokenId(id) == TokenId::HEADER32_EX {
                    8
                } else {
                    16
                }
        }
        _ => return None,
    };
    (n <= rest.len()).then_some(n)
}
