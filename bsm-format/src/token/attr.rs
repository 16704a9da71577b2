//! File attribute tokens: attr32 (0x3e) and attr64 (0x73).

use serde::Serialize;

use crate::cursor::Cursor;
use crate::error::Error;
use crate::token::process::Width;
use crate::wire;

/// A file's attributes as the kernel saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Attr {
    /// Width of the device field.
    pub width: Width,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub fsid: u32,
    pub nodeid: u64,
    pub device: u64,
}

impl Attr {
    pub(crate) fn decode(c: &mut Cursor<'_>, width: Width) -> Result<Attr, Error> {
        Ok(Attr {
            width,
            mode: c.u32("attr.mode")?,
            uid: c.u32("attr.uid")?,
            gid: c.u32("attr.gid")?,
            fsid: c.u32("attr.fsid")?,
            nodeid: c.u64("attr.nodeid")?,
            device: match width {
                Width::W32 => c.u32("attr.device")? as u64,
                Width::W64 => c.u64("attr.device")?,
            },
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(
            out,
            match self.width {
                Width::W32 => 0x3e,
                Width::W64 => 0x73,
            },
        );
        for v in [self.mode, self.uid, self.gid, self.fsid] {
            wire::u32(out, v);
        }
        wire::u64(out, self.nodeid);
        match self.width {
            Width::W32 => wire::u32(out, self.device as u32),
            Width::W64 => wire::u64(out, self.device),
        }
    }
}
