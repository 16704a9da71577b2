//! The remaining token types: data (0x21), privset (0x38), upriv (0x39), newgroups (0x3b),
//! FreeBSD's capability rights (0x83) and Apple's identity (0xED).

use serde::Serialize;

use crate::cursor::Cursor;
use crate::error::{Error, ErrorKind};
use crate::ids::TokenId;
use crate::types::{serialize_hex, Text};
use crate::wire;

/// An arbitrary-data token: items of 1, 2, 4 or 8 bytes with a preferred print format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Data<'a> {
    /// Print format: 0 binary, 1 octal, 2 decimal, 3 hex, 4 string.
    pub how_to_print: u8,
    /// Unit type: 0 byte, 1 short, 2 int32, 3 int64.
    pub unit_type: u8,
    /// Number of items.
    pub count: u8,
    /// The items, in the producer's host byte order.
    #[serde(serialize_with = "ser_hex")]
    pub items: &'a [u8],
}

fn ser_hex<S: serde::Serializer>(b: &&[u8], s: S) -> Result<S::Ok, S::Error> {
    serialize_hex(b, s)
}

impl<'a> Data<'a> {
    /// Bytes per item, for the four defined unit types.
    pub fn unit_size(unit_type: u8) -> Option<usize> {
        match unit_type {
            0 => Some(1),
            1 => Some(2),
            2 => Some(4),
            3 => Some(8),
            _ => None,
        }
    }

    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'a>) -> Result<Data<'a>, Error> {
        let how_to_print = c.u8("data.how_to_print")?;
        let at = c.offset();
        let unit_type = c.u8("data.unit_type")?;
        // An unknown unit has no size: the items cannot be found (xnu would size it as a byte,
        // FORMAT.md Q13, but no producer is known to write one).
        let size = Self::unit_size(unit_type)
            .ok_or_else(|| Error::new(at, ErrorKind::BadUnitType { value: unit_type }))?;
        let count = c.u8("data.count")?;
        let items = c.bytes(size * count as usize, "data.items")?;
        Ok(Data {
            how_to_print,
            unit_type,
            count,
            items,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::DATA.0);
        wire::u8(out, self.how_to_print);
        wire::u8(out, self.unit_type);
        wire::u8(out, self.count);
        out.extend_from_slice(self.items);
    }
}

/// A privilege set (userland only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Privset<'a> {
    /// Which privilege set.
    pub set_type: Text<'a>,
    /// The privileges in it.
    pub privs: Text<'a>,
}

impl<'a> Privset<'a> {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'a>) -> Result<Privset<'a>, Error> {
        Ok(Privset {
            set_type: Text(c.counted("privset.type")?),
            privs: Text(c.counted("privset.privs")?),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::PRIVSET.0);
        wire::counted(out, self.set_type.raw());
        wire::counted(out, self.privs.raw());
    }
}

/// The use of a privilege (userland only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Upriv<'a> {
    /// Nonzero when the privilege was used successfully.
    pub success: u8,
    /// The privilege.
    pub privilege: Text<'a>,
}

impl<'a> Upriv<'a> {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'a>) -> Result<Upriv<'a>, Error> {
        Ok(Upriv {
            success: c.u8("upriv.success")?,
            privilege: Text(c.counted("upriv.privilege")?),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::UPRIV.0);
        wire::u8(out, self.success);
        wire::counted(out, self.privilege.raw());
    }
}

/// A list of group ids. Any count is decoded in full (libbsm clamps at 16 and misparses the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewGroups<'a> {
    raw: &'a [u8],
}

impl<'a> NewGroups<'a> {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'a>) -> Result<NewGroups<'a>, Error> {
        let n = c.u16("newgroups.count")? as usize;
        Ok(NewGroups {
            raw: c.bytes(n * 4, "newgroups.gids")?,
        })
    }

    /// Makes a group list from gids (for encoding).
    pub fn encode_gids(gids: &[u32], out: &mut Vec<u8>) {
        wire::u8(out, TokenId::NEWGROUPS.0);
        let gids = &gids[..gids.len().min(u16::MAX as usize)];
        wire::u16(out, gids.len() as u16);
        for g in gids {
            wire::u32(out, *g);
        }
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::NEWGROUPS.0);
        wire::u16(out, (self.raw.len() / 4) as u16);
        out.extend_from_slice(self.raw);
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.raw.len() / 4
    }

    /// Whether there is no group.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The group ids.
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        self.raw
            .chunks_exact(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

impl Serialize for NewGroups<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// FreeBSD capability rights (`cap_rights_t`): k big-endian u64 words, k = (word0 >> 62) + 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rights<'a> {
    raw: &'a [u8],
}

impl<'a> Rights<'a> {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'a>) -> Result<Rights<'a>, Error> {
        let mut peek = c.clone();
        let first = peek.u64("rights.word0")?;
        let words = (first >> 62) as usize + 2;
        Ok(Rights {
            raw: c.bytes(words * 8, "rights.words")?,
        })
    }

    /// The rights words, in order.
    pub fn words(&self) -> impl Iterator<Item = u64> + 'a {
        self.raw.chunks_exact(8).map(|b| {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            u64::from_be_bytes(a)
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::RIGHTS.0);
        out.extend_from_slice(self.raw);
    }

    /// Encodes rights words (the caller sets the version bits of word 0).
    pub fn encode_words(words: &[u64], out: &mut Vec<u8>) {
        wire::u8(out, TokenId::RIGHTS.0);
        for w in words {
            wire::u64(out, *w);
        }
    }
}

impl Serialize for Rights<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.words().map(|w| format!("{w:#018x}")))
    }
}

/// Apple's code-signing identity of the process (xnu `au_to_identity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Identity<'a> {
    /// 1 for a platform binary, else 0.
    pub signer_type: u32,
    /// The signing identifier (`com.apple.xpcd`).
    pub signing_id: Text<'a>,
    /// Nonzero when the signing id was cut.
    pub signing_id_truncated: u8,
    /// The team identifier (empty for platform binaries).
    pub team_id: Text<'a>,
    /// Nonzero when the team id was cut.
    pub team_id_truncated: u8,
    #[serde(serialize_with = "ser_hex")]
    /// The code directory hash.
    pub cdhash: &'a [u8],
}

impl<'a> Identity<'a> {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'a>) -> Result<Identity<'a>, Error> {
        Ok(Identity {
            signer_type: c.u32("identity.signer_type")?,
            signing_id: Text(c.counted("identity.signing_id")?),
            signing_id_truncated: c.u8("identity.signing_id_truncated")?,
            team_id: Text(c.counted("identity.team_id")?),
            team_id_truncated: c.u8("identity.team_id_truncated")?,
            cdhash: c.counted("identity.cdhash")?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::IDENTITY.0);
        wire::u32(out, self.signer_type);
        wire::counted(out, self.signing_id.raw());
        wire::u8(out, self.signing_id_truncated);
        wire::counted(out, self.team_id.raw());
        wire::u8(out, self.team_id_truncated);
        wire::counted(out, self.cdhash);
    }
}
