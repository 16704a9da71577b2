//! Argument tokens: arg32 (0x2d), arg64 (0x71) and arg_uuid (0x84).

use serde::Serialize;

use zerocopy::byteorder::big_endian::{U16, U32, U64};

use crate::cursor::Cursor;
use crate::error::Error;
use crate::ids::TokenId;
use crate::layout;
use crate::token::process::Width;
use crate::types::Text;
use crate::wire;

/// A system-call argument: its position, value and a short description ("fd", "flags", ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Arg<'a> {
    /// 32- or 64-bit value (arg32 or arg64).
    pub width: Width,
    /// Argument position; 0 is used for results such as "child PID".
    pub argno: u8,
    /// The argument's value.
    pub value: u64,
    /// What the argument is.
    pub text: Text<'a>,
}

impl<'a> Arg<'a> {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'a>, width: Width) -> Result<Arg<'a>, Error> {
        let (argno, value, len) = match width {
            Width::W32 => {
                let l = c.layout::<layout::Arg32>()?;
                (l.argno, l.value.get() as u64, l.text_len.get())
            }
            Width::W64 => {
                let l = c.layout::<layout::Arg64>()?;
                (l.argno, l.value.get(), l.text_len.get())
            }
        };
        let text = Text(c.bytes(len as usize, "arg.text")?);
        Ok(Arg {
            width,
            argno,
            value,
            text,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        // As `wire::counted`: a text over 65535 bytes is cut to fit its u16 length.
        let text = &self.text.raw()[..self.text.raw().len().min(u16::MAX as usize)];
        let (argno, text_len) = (self.argno, U16::new(text.len() as u16));
        match self.width {
            Width::W32 => {
                wire::u8(out, TokenId::ARG32.0);
                let value = U32::new(self.value as u32);
                wire::layout(
                    out,
                    &layout::Arg32 {
                        argno,
                        value,
                        text_len,
                    },
                );
            }
            Width::W64 => {
                wire::u8(out, TokenId::ARG64.0);
                let value = U64::new(self.value);
                wire::layout(
                    out,
                    &layout::Arg64 {
                        argno,
                        value,
                        text_len,
                    },
                );
            }
        }
        out.extend_from_slice(text);
    }
}

/// OpenBSM's arg_uuid token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ArgUuid<'a> {
    /// Argument position.
    pub argno: u8,
    #[serde(serialize_with = "crate::types::serialize_uuid")]
    /// The UUID.
    pub uuid: [u8; 16],
    /// What the argument is.
    pub text: Text<'a>,
}

impl<'a> ArgUuid<'a> {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'a>) -> Result<ArgUuid<'a>, Error> {
        Ok(ArgUuid {
            argno: c.u8("arg_uuid.argno")?,
            uuid: c.array("arg_uuid.uuid")?,
            text: Text(c.counted("arg_uuid.text")?),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::ARG_UUID.0);
        wire::u8(out, self.argno);
        out.extend_from_slice(&self.uuid);
        wire::counted(out, self.text.raw());
    }
}
