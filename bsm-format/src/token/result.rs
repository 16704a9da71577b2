//! Return (0x27, 0x72), return_uuid (0x85) and exit (0x52) tokens.

use serde::Serialize;

use zerocopy::byteorder::big_endian::{U32, U64};

use crate::cursor::Cursor;
use crate::error::Error;
use crate::ids::TokenId;
use crate::layout;
use crate::token::process::Width;
use crate::types::{BsmErrno, Text};
use crate::wire;

/// The outcome of the audited call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Return {
    /// 32- or 64-bit return value (return32 or return64).
    pub width: Width,
    /// BSM errno; 0 is success.
    pub errno: BsmErrno,
    /// The call's return value (for a failure usually -1, i.e. all ones).
    pub value: u64,
}

impl Return {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'_>, width: Width) -> Result<Return, Error> {
        let (errno, value) = match width {
            Width::W32 => {
                let l = c.layout::<layout::Return32>()?;
                (l.errno, l.value.get() as u64)
            }
            Width::W64 => {
                let l = c.layout::<layout::Return64>()?;
                (l.errno, l.value.get())
            }
        };
        let errno = BsmErrno(errno);
        Ok(Return {
            width,
            errno,
            value,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let errno = self.errno.0;
        match self.width {
            Width::W32 => {
                wire::u8(out, TokenId::RETURN32.0);
                let value = U32::new(self.value as u32);
                wire::layout(out, &layout::Return32 { errno, value });
            }
            Width::W64 => {
                wire::u8(out, TokenId::RETURN64.0);
                let value = U64::new(self.value);
                wire::layout(out, &layout::Return64 { errno, value });
            }
        }
    }
}

/// A process's exit: status then return value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Exit {
    /// The exit status (as `wait` reports it).
    pub status: u32,
    /// The return value.
    pub retval: u32,
}

impl Exit {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'_>) -> Result<Exit, Error> {
        let l = c.layout::<layout::Exit>()?;
        Ok(Exit {
            status: l.status.get(),
            retval: l.retval.get(),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::EXIT.0);
        let (status, retval) = (U32::new(self.status), U32::new(self.retval));
        wire::layout(out, &layout::Exit { status, retval });
    }
}

/// OpenBSM's return_uuid token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReturnUuid<'a> {
    /// The status.
    pub status: u8,
    #[serde(serialize_with = "crate::types::serialize_uuid")]
    /// The UUID.
    pub uuid: [u8; 16],
    /// Its description.
    pub text: Text<'a>,
}

impl<'a> ReturnUuid<'a> {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'a>) -> Result<ReturnUuid<'a>, Error> {
        Ok(ReturnUuid {
            status: c.u8("return_uuid.status")?,
            uuid: c.array("return_uuid.uuid")?,
            text: Text(c.counted("return_uuid.text")?),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::RETURN_UUID.0);
        wire::u8(out, self.status);
        out.extend_from_slice(&self.uuid);
        wire::counted(out, self.text.raw());
    }
}
