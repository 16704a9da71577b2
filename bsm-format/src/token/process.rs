//! Subject (the actor: 0x24, 0x75, 0x7a, 0x7c) and process (the target: 0x26, 0x77, 0x7b, 0x7d)
//! tokens. Both share one layout: seven u32 ids, then a terminal id.

use serde::Serialize;

use crate::cursor::{Cursor, Fields};
use crate::error::{Error, ErrorKind};
use crate::types::Address;
use crate::wire;

/// Whether a token's variable-width fields are 32 or 64 bits wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Width {
    #[serde(rename = "32")]
    W32,
    #[serde(rename = "64")]
    W64,
}

/// The terminal id: a port (a `dev_t`) and a machine address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct TerminalId {
    pub port: u64,
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
    pub euid: u32,
    pub egid: u32,
    pub ruid: u32,
    pub rgid: u32,
    pub pid: u32,
    /// Audit session id.
    pub sid: u32,
    pub tid: TerminalId,
}

/// The auid of a process whose audit user id was never set (AU_DEFAUDITID).
pub const AUID_UNSET: u32 = u32::MAX;

impl Subject {
    /// The token id of this subject (`process = false`) or process (`process = true`) token.
    pub fn token_id(&self, process: bool) -> u8 {
        match (self.width, self.ex, process) {
            (Width::W32, false, false) => 0x24,
            (Width::W32, false, true) => 0x26,
            (Width::W64, false, false) => 0x75,
            (Width::W64, false, true) => 0x77,
            (Width::W32, true, false) => 0x7a,
            (Width::W32, true, true) => 0x7b,
            (Width::W64, true, false) => 0x7c,
            (Width::W64, true, true) => 0x7d,
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
        wire::u8(out, self.token_id(process));
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
