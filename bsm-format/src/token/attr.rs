//! File attribute tokens: attr32 (0x3e) and attr64 (0x73).

use serde::Serialize;

use crate::cursor::{Cursor, Fields};
use crate::error::Error;
use crate::ids::TokenId;
use crate::token::process::Width;
use crate::wire;

/// A file's attributes as the kernel saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Attr {
    /// Width of the device field.
    pub width: Width,
    /// File type and permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// File system id.
    pub fsid: u32,
    /// Inode number.
    pub nodeid: u64,
    /// Device (for device files).
    pub device: u64,
}

impl Attr {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'_>, width: Width) -> Result<Attr, Error> {
        let mut f = Fields::new(c.array::<24>("attr")?);
        Ok(Attr {
            width,
            mode: f.u32(),
            uid: f.u32(),
            gid: f.u32(),
            fsid: f.u32(),
            nodeid: f.u64(),
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
                Width::W32 => TokenId::ATTR32.0,
                Width::W64 => TokenId::ATTR64.0,
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
