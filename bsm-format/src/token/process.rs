//! Subject (the actor: 0x24, 0x75, 0x7a, 0x7c) and process (the target: 0x26, 0x77, 0x7b, 0x7d)
//! tokens. Both share one layout: seven u32 ids, then a terminal id.

use serde::Serialize;

use crate::cursor::{Cursor, Fields};
use crate::error::{Error, ErrorKind};
use crate::ids::TokenId;
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
        // auid, euid, egid, ruid, rgid, pid, sid: one bounds check for all seven.
        let mut f = Fields::new(c.array::<28>("subject.ids")?);
        let (auid, euid, egid, ruid, rgid, pid, sid) = (
            f.u32(),
            f.u32(),
            f.u32(),
            f.u32(),
            f.u32(),
            f.u32(),
            f.u32(),
        );
        let port = match width {
            Width::W32 => c.u32("subject.tid.port")? as u64,
            Width::W64 => c.u64("subject.tid.port")?,
        };
        let addr = if ex {
            let at = c.offset();
            match c.u32("subject.tid.type")? {
                4 => Address::V4(c.array("subject.tid.addr")?),
                16 => Address::V6(c.array("subject.tid.addr")?),
                value => {
                    return Err(Error::new(
                        at,
                        ErrorKind::BadAddressType {
                            what: "subject.tid.type",
                            value,
                        },
                    ))
                }
            }
        } else {
            Address::V4(c.array("subject.tid.addr")?)
        };
        Ok(Subject {
            width,
            ex,
            auid,
            euid,
            egid,
            ruid,
            rgid,
            pid,
            sid,
            tid: TerminalId { port, addr },
        })
    }

    pub(crate) fn encode(&self, process: bool, out: &mut Vec<u8>) {
        wire::u8(out, self.token_id(process).0);
        for v in [
            self.auid, self.euid, self.egid, self.ruid, self.rgid, self.pid, self.sid,
        ] {
            wire::u32(out, v);
        }
        match self.width {
            Width::W32 => wire::u32(out, self.tid.port as u32),
            Width::W64 => wire::u64(out, self.tid.port),
        }
        if self.ex {
            wire::u32(out, self.tid.addr.type_code());
            out.extend_from_slice(self.tid.addr.bytes());
        } else {
            // Non-_ex tokens carry only an IPv4 address.
            match self.tid.addr {
                Address::V4(a) => out.extend_from_slice(&a),
                Address::V6(a) => out.extend_from_slice(&a[12..]),
            }
        }
    }
}
