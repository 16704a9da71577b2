//! System V IPC tokens: ipc (0x22) and ipc_perm (0x32).

use serde::Serialize;

use crate::cursor::Cursor;
use crate::error::Error;
use crate::ids::TokenId;
use crate::wire;

/// An IPC object: its type (1 message queue, 2 semaphore, 3 shared memory) and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ipc {
    /// The IPC type ([`Ipc::MSG`], [`Ipc::SEM`], [`Ipc::SHM`]).
    pub kind: u8,
    /// The object's id.
    pub id: u32,
}

impl Ipc {
    /// A message queue.
    pub const MSG: u8 = 1;
    /// A semaphore set.
    pub const SEM: u8 = 2;
    /// A shared memory segment.
    pub const SHM: u8 = 3;

    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'_>) -> Result<Ipc, Error> {
        Ok(Ipc {
            kind: c.u8("ipc.type")?,
            id: c.u32("ipc.id")?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::IPC.0);
        wire::u8(out, self.kind);
        wire::u32(out, self.id);
    }
}

/// Owner and permissions of an IPC object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IpcPerm {
    /// Owner.
    pub uid: u32,
    /// Owner's group.
    pub gid: u32,
    /// Creator.
    pub cuid: u32,
    /// Creator's group.
    pub cgid: u32,
    /// Permission bits.
    pub mode: u32,
    /// Slot usage sequence number.
    pub seq: u32,
    /// The IPC key.
    pub key: u32,
}

impl IpcPerm {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'_>) -> Result<IpcPerm, Error> {
        Ok(IpcPerm {
            uid: c.u32("ipc_perm.uid")?,
            gid: c.u32("ipc_perm.gid")?,
            cuid: c.u32("ipc_perm.cuid")?,
            cgid: c.u32("ipc_perm.cgid")?,
            mode: c.u32("ipc_perm.mode")?,
            seq: c.u32("ipc_perm.seq")?,
            key: c.u32("ipc_perm.key")?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::IPC_PERM.0);
        for v in [
            self.uid, self.gid, self.cuid, self.cgid, self.mode, self.seq, self.key,
        ] {
            wire::u32(out, v);
        }
    }
}
