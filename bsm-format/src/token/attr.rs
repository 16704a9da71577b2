//! File attribute tokens: attr32 (0x3e) and attr64 (0x73).

use serde::Serialize;

use zerocopy::byteorder::big_endian::{U32, U64};

use crate::cursor::Cursor;
use crate::error::Error;
use crate::ids::TokenId;
use crate::layout;
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
        let attr = |mode: U32, uid: U32, gid: U32, fsid: U32, nodeid: U64, device| Attr {
            width,
            mode: mode.get(),
            uid: uid.get(),
            gid: gid.get(),
            fsid: fsid.get(),
            nodeid: nodeid.get(),
            device,
        };
        Ok(match width {
            Width::W32 => {
                let l = c.layout::<layout::Attr32>()?;
                attr(
                    l.mode,
                    l.uid,
                    l.gid,
                    l.fsid,
                    l.nodeid,
                    l.device.get() as u64,
                )
            }
            Width::W64 => {
                let l = c.layout::<layout::Attr64>()?;
                attr(l.mode, l.uid, l.gid, l.fsid, l.nodeid, l.device.get())
            }
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
        let (mode, uid, gid) = (U32::new(self.mode), U32::new(self.uid), U32::new(self.gid));
        let (fsid, nodeid) = (U32::new(self.fsid), U64::new(self.nodeid));
        match self.width {
            Width::W32 => wire::layout(
                out,
                &layout::Attr32 {
                    mode,
                    uid,
                    gid,
                    fsid,
                    nodeid,
                    device: U32::new(self.device as u32),
                },
            ),
            Width::W64 => wire::layout(
                out,
                &layout::Attr64 {
                    mode,
                    uid,
                    gid,
                    fsid,
                    nodeid,
                    device: U64::new(self.device),
                },
            ),
        }
    }
}
