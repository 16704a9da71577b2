//! Subject (the actor: 0x24, 0x75, 0x7a, 0x7c) and process (the target: 0x26, 0x77, 0x7b, 0x7d)
//! tokens. Both share one layout: seven u32 ids, then a terminal id.

use serde::Serialize;

use zerocopy::byteorder::big_endian::{U32, U64};

use crate::cursor::Cursor;
use crate::error::{Error, ErrorKind};
use crate::ids::TokenId;
use crate::layout;
use crate::types::Address;
use crate::wire;

/// Whether a token's variable-width fields are 32 or 64 bits wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Width {
    #[serde(rename = "32")]
    /// 32 bits (subject32, return32, ...).
    W32,
    #[serde(rename = "64")]
    /// 64 bits (subject64, return64, ...).
    W64,
}

/// The terminal id: a port (a `dev_t`) and a machine address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct TerminalId {
    /// The terminal's port (device).
    pub port: u64,
    /// The terminal's machine address.
    pub addr: Address,
}

/// The fields of a subject or process token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Subject {
    /// 32- or 64-bit terminal port.
    pub width: Width,
    /// Whether the token is an `_ex` variant (with an address type, IPv4 or IPv6).
    pub ex: bool,
    /// Audit user id; 0xffffffff means unset.
    pub auid: u32,
    /// Effective user.
    pub euid: u32,
    /// Effective group.
    pub egid: u32,
    /// Real user.
    pub ruid: u32,
    /// Real group.
    pub rgid: u32,
    /// Process id.
    pub pid: u32,
    /// Audit session id.
    pub sid: u32,
    /// The terminal.
    pub tid: TerminalId,
}

/// The auid of a process whose audit user id was never set (AU_DEFAUDITID).
pub const AUID_UNSET: u32 = u32::MAX;

impl Subject {
    /// The token id of this subject (`process = false`) or process (`process = true`) token.
    pub fn token_id(&self, process: bool) -> TokenId {
        match (self.width, self.ex, process) {
            (Width::W32, false, false) => TokenId::SUBJECT32,
            (Width::W32, false, true) => TokenId::PROCESS32,
            (Width::W64, false, false) => TokenId::SUBJECT64,
            (Width::W64, false, true) => TokenId::PROCESS64,
            (Width::W32, true, false) => TokenId::SUBJECT32_EX,
            (Width::W32, true, true) => TokenId::PROCESS32_EX,
            (Width::W64, true, false) => TokenId::SUBJECT64_EX,
            (Width::W64, true, true) => TokenId::PROCESS64_EX,
        }
    }

    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'_>, width: Width, ex: bool) -> Result<Subject, Error> {
        let (ids, port, addr) = match (width, ex) {
            (Width::W32, false) => {
                let l = c.layout::<layout::Subject32>()?;
                (&l.ids, l.port.get() as u64, Address::V4(l.addr))
            }
            (Width::W64, false) => {
                let l = c.layout::<layout::Subject64>()?;
                (&l.ids, l.port.get(), Address::V4(l.addr))
            }
            (Width::W32, true) => {
                let l = c.layout::<layout::Subject32Ex>()?;
                (
                    &l.ids,
                    l.port.get() as u64,
                    tid_addr(c, l.address_type.get())?,
                )
            }
            (Width::W64, true) => {
                let l = c.layout::<layout::Subject64Ex>()?;
                (&l.ids, l.port.get(), tid_addr(c, l.address_type.get())?)
            }
        };
        Ok(Subject {
            width,
            ex,
            auid: ids.auid.get(),
            euid: ids.euid.get(),
            egid: ids.egid.get(),
            ruid: ids.ruid.get(),
            rgid: ids.rgid.get(),
            pid: ids.pid.get(),
            sid: ids.sid.get(),
            tid: TerminalId { port, addr },
        })
    }

    pub(crate) fn encode(&self, process: bool, out: &mut Vec<u8>) {
        wire::u8(out, self.token_id(process).0);
        let ids = layout::Ids {
            auid: U32::new(self.auid),
            euid: U32::new(self.euid),
            egid: U32::new(self.egid),
            ruid: U32::new(self.ruid),
            rgid: U32::new(self.rgid),
            pid: U32::new(self.pid),
            sid: U32::new(self.sid),
        };
        let (port32, port64) = (U32::new(self.tid.port as u32), U64::new(self.tid.port));
        if self.ex {
            let address_type = U32::new(self.tid.addr.type_code());
            match self.width {
                Width::W32 => wire::layout(
                    out,
                    &layout::Subject32Ex {
                        ids,
                        port: port32,
                        address_type,
                    },
                ),
                Width::W64 => wire::layout(
                    out,
                    &layout::Subject64Ex {
                        ids,
                        port: port64,
                        address_type,
                    },
                ),
            }
            out.extend_from_slice(self.tid.addr.bytes());
        } else {
            // Non-_ex tokens carry only an IPv4 address.
            let addr = match self.tid.addr {
                Address::V4(a) => a,
                Address::V6(a) => [a[12], a[13], a[14], a[15]],
            };
            match self.width {
                Width::W32 => wire::layout(
                    out,
                    &layout::Subject32 {
                        ids,
                        port: port32,
                        addr,
                    },
                ),
                Width::W64 => wire::layout(
                    out,
                    &layout::Subject64 {
                        ids,
                        port: port64,
                        addr,
                    },
                ),
            }
        }
    }
}

/// The terminal address of an _ex subject or process token, after its type (just read).
#[inline(always)]
fn tid_addr(c: &mut Cursor<'_>, address_type: u32) -> Result<Address, Error> {
    match address_type {
        4 => Ok(Address::V4(c.array("subject.tid.addr")?)),
        16 => Ok(Address::V6(c.array("subject.tid.addr")?)),
        value => Err(Error::new(
            c.offset() - 4,
            ErrorKind::BadAddressType {
                what: "subject.tid.type",
                value,
            },
        )),
    }
}
