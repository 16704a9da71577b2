//! Header (0x14, 0x15, 0x74, 0x79), trailer (0x13) and file (0x11) tokens: the framing tokens.

use serde::Serialize;

use zerocopy::byteorder::big_endian::{U16, U32};

use crate::cursor::Cursor;
use crate::error::{Error, ErrorKind};
use crate::ids::TokenId;
use crate::layout;
use crate::types::{Address, EventType, Modifier, Text, Time};
use crate::wire;

pub use crate::ids::{TRAILER_MAGIC, TRAILER_SIZE};

/// Which of the four header tokens starts a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderKind {
    /// header32 (0x14): 32-bit time, no host address.
    Header32,
    /// header32_ex (0x15): 32-bit time and the host's address.
    Header32Ex,
    /// header64 (0x74): 64-bit time.
    Header64,
    /// header64_ex (0x79): 64-bit time and the host's address.
    Header64Ex,
}

impl HeaderKind {
    /// The header kind a token id starts, if it is a header.
    pub fn from_id(id: u8) -> Option<HeaderKind> {
        match TokenId(id) {
            TokenId::HEADER32 => Some(HeaderKind::Header32),
            TokenId::HEADER32_EX => Some(HeaderKind::Header32Ex),
            TokenId::HEADER64 => Some(HeaderKind::Header64),
            TokenId::HEADER64_EX => Some(HeaderKind::Header64Ex),
            _ => None,
        }
    }

    /// The token id of this header kind.
    pub fn id(self) -> TokenId {
        match self {
            HeaderKind::Header32 => TokenId::HEADER32,
            HeaderKind::Header32Ex => TokenId::HEADER32_EX,
            HeaderKind::Header64 => TokenId::HEADER64,
            HeaderKind::Header64Ex => TokenId::HEADER64_EX,
        }
    }

    /// Whether the header carries a host address.
    pub fn is_ex(self) -> bool {
        matches!(self, HeaderKind::Header32Ex | HeaderKind::Header64Ex)
    }

    /// Whether its time fields are 64 bits wide.
    pub fn is_64(self) -> bool {
        matches!(self, HeaderKind::Header64 | HeaderKind::Header64Ex)
    }

    /// The smallest possible header of this kind (the _ex ones with an IPv4 address).
    pub fn min_size(self) -> u32 {
        match self {
            HeaderKind::Header32 => 18,
            HeaderKind::Header32Ex => 26,
            HeaderKind::Header64 => 26,
            HeaderKind::Header64Ex => 34,
        }
    }
}

/// The host address of a header_ex token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum HostAddress {
    /// An IPv4 or IPv6 address.
    Ip(Address),
    /// An address type other than 4 or 16: no address bytes follow (as libbsm reads it).
    Invalid(u32),
}

/// A record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Header {
    /// Which header token it is.
    pub kind: HeaderKind,
    /// Byte count of the whole record, as written.
    pub size: u32,
    /// The format version (11 from xnu and FreeBSD; any is accepted).
    pub version: u8,
    /// The audit event.
    pub event: EventType,
    /// The event modifier.
    pub modifier: Modifier,
    /// The audit host's address (header_ex kinds only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<HostAddress>,
    /// When the event happened.
    pub time: Time,
}

impl Header {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'_>, kind: HeaderKind) -> Result<Header, Error> {
        let (start, host, time) = match kind {
            HeaderKind::Header32 => {
                let l = c.layout::<layout::Header32>()?;
                (&l.start, None, l.time.get())
            }
            HeaderKind::Header64 => {
                let l = c.layout::<layout::Header64>()?;
                (&l.start, None, l.time.get())
            }
            HeaderKind::Header32Ex | HeaderKind::Header64Ex => {
                let l = c.layout::<layout::HeaderEx>()?;
                let host = match l.address_type.get() {
                    4 => HostAddress::Ip(Address::V4(c.array("header.address")?)),
                    16 => HostAddress::Ip(Address::V6(c.array("header.address")?)),
                    other => HostAddress::Invalid(other),
                };
                let time = if kind.is_64() {
                    c.layout::<layout::Time64>()?.get()
                } else {
                    c.layout::<layout::Time32>()?.get()
                };
                (&l.start, Some(host), time)
            }
        };
        Ok(Header {
            kind,
            size: start.size.get(),
            version: start.version,
            event: EventType(start.event.get()),
            modifier: Modifier::from_bits_retain(start.modifier.get()),
            host,
            time,
        })
    }

    /// The encoded length of this header token.
    pub fn encoded_len(&self) -> usize {
        let addr = match self.host {
            Some(HostAddress::Ip(a)) => 4 + a.bytes().len(),
            Some(HostAddress::Invalid(_)) => 4,
            None => 0,
        };
        10 + addr + if self.kind.is_64() { 16 } else { 8 }
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, self.kind.id().0);
        let start = layout::HeaderStart {
            size: U32::new(self.size),
            version: self.version,
            event: U16::new(self.event.0),
            modifier: U16::new(self.modifier.bits()),
        };
        let t = self.time;
        match self.kind {
            HeaderKind::Header32 => {
                let time = layout::Time32::new(t);
                wire::layout(out, &layout::Header32 { start, time });
            }
            HeaderKind::Header64 => {
                let time = layout::Time64::new(t);
                wire::layout(out, &layout::Header64 { start, time });
            }
            HeaderKind::Header32Ex | HeaderKind::Header64Ex => {
                let (address_type, address) = match &self.host {
                    Some(HostAddress::Ip(a)) => (a.type_code(), a.bytes()),
                    Some(HostAddress::Invalid(t)) => (*t, &[][..]),
                    None => (0, &[][..]),
                };
                let address_type = U32::new(address_type);
                wire::layout(
                    out,
                    &layout::HeaderEx {
                        start,
                        address_type,
                    },
                );
                out.extend_from_slice(address);
                if self.kind.is_64() {
                    wire::layout(out, &layout::Time64::new(t));
                } else {
                    wire::layout(out, &layout::Time32::new(t));
                }
            }
        }
    }
}

/// The trailer closing every record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Trailer {
    /// Always 0xb105 in a well-formed trailer ([`TRAILER_MAGIC`]).
    pub magic: u16,
    /// Byte count of the whole record, repeated from the header.
    pub size: u32,
}

impl Trailer {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'_>) -> Result<Trailer, Error> {
        let l = c.layout::<layout::Trailer>()?;
        Ok(Trailer {
            magic: l.magic.get(),
            size: l.size.get(),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::TRAILER.0);
        let (magic, size) = (U16::new(self.magic), U32::new(self.size));
        wire::layout(out, &layout::Trailer { magic, size });
    }

    /// Checks the magic number and the byte count against the header's.
    pub fn check(&self, header_size: u32, offset: u64) -> Result<(), Error> {
        if self.magic != TRAILER_MAGIC {
            return Err(Error::new(
                offset + 1,
                ErrorKind::BadTrailerMagic { magic: self.magic },
            ));
        }
        if self.size != header_size {
            return Err(Error::new(
                offset + 3,
                ErrorKind::TrailerMismatch {
                    header: header_size,
                    trailer: self.size,
                },
            ));
        }
        Ok(())
    }
}

/// A `file` token: written between records, naming the previous or next trail file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct File<'a> {
    /// When the file was opened or closed.
    pub time: Time,
    /// The name of the previous or next trail file.
    pub name: Text<'a>,
}

impl<'a> File<'a> {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'a>) -> Result<File<'a>, Error> {
        let sec = c.u32("file.seconds")?;
        let msec = c.u32("file.msec")?;
        let name = Text(c.counted("file.name")?);
        Ok(File {
            time: Time::new(sec as u64, msec as u64),
            name,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::FILE.0);
        wire::u32(out, self.time.sec as u32);
        wire::u32(out, self.time.msec as u32);
        wire::counted(out, self.name.raw());
    }
}
