//! A bounds-checked big-endian reader over a byte slice. Every read names its field, so that an
//! error says what was being read and where.

use crate::error::{Error, ErrorKind};
use crate::layout::Layout;

#[derive(Clone)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Absolute offset of `buf[0]` in the input.
    base: u64,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], base: u64) -> Cursor<'a> {
        Cursor { buf, pos: 0, base }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    pub(crate) fn error(&self, kind: ErrorKind) -> Error {
        Error::new(self.offset(), kind)
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn truncated(&self, what: &'static str, need: usize) -> Error {
        self.error(ErrorKind::Truncated {
            what,
            need: need as u64,
            have: self.remaining() as u64,
        })
    }

    #[inline(always)]
    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Error> {
        match self.buf.get(self.pos..self.pos.wrapping_add(n)) {
            Some(s) if self.pos.checked_add(n).is_some() => {
                self.pos += n;
                Ok(s)
            }
            _ => Err(self.truncated(what, n)),
        }
    }

    #[inline(always)]
    pub(crate) fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], Error> {
        match self.buf.get(self.pos..self.pos + N) {
            Some(s) => {
                self.pos += N;
                let mut a = [0u8; N];
                a.copy_from_slice(s);
                Ok(a)
            }
            None => Err(self.truncated(what, N)),
        }
    }

    #[inline(always)]
    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, Error> {
        Ok(self.array::<1>(what)?[0])
    }

    #[inline(always)]
    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, Error> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    #[inline(always)]
    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, Error> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    #[inline(always)]
    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, Error> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    /// A fixed layout read in place (one bounds check); when it does not fit, the error names
    /// the first of its parts that does not, where that part starts.
    #[inline(always)]
    pub(crate) fn layout<T: Layout>(&mut self) -> Result<&'a T, Error> {
        match T::ref_from_prefix(self.rest()) {
            Ok((t, _)) => {
                self.pos += core::mem::size_of::<T>();
                Ok(t)
            }
            Err(_) => Err(self.layout_truncated(T::PARTS)),
        }
    }

    #[cold]
    #[inline(never)]
    fn layout_truncated(&self, parts: &[(&'static str, usize)]) -> Error {
        let have = self.remaining();
        let mut at = 0;
        for &(what, need) in parts {
            if at + need > have {
                return Error::new(
                    self.offset() + at as u64,
                    ErrorKind::Truncated {
                        what,
                        need: need as u64,
                        have: (have - at) as u64,
                    },
                );
            }
            at += need;
        }
        // Unreachable while the parts add up to the layout's size (checked at compile time).
        self.truncated("layout", at)
    }

    /// A string preceded by a u16 length (which, in BSM, counts the trailing NUL).
    #[inline(always)]
    pub(crate) fn counted(&mut self, what: &'static str) -> Result<&'a [u8], Error> {
        let len = self.u16(what)?;
        self.bytes(len as usize, what)
    }

    /// Bytes up to a NUL; the NUL is consumed but not returned.
    pub(crate) fn cstr(&mut self, what: &'static str) -> Result<&'a [u8], Error> {
        let rest = self.rest();
        match memchr::memchr(0, rest) {
            Some(n) => {
                self.pos += n + 1;
                Ok(&rest[..n])
            }
            None => Err(self.error(ErrorKind::Unterminated { what })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_big_endian_and_reports_offsets() {
        let mut c = Cursor::new(&[0x12, 0x34, 0x56, 0x78, 0x9a], 100);
        assert_eq!(c.u16("a").unwrap(), 0x1234);
        assert_eq!(c.offset(), 102);
        let e = c.u32("b").unwrap_err();
        assert_eq!(e.offset, 102);
        assert_eq!(
            e.kind,
            ErrorKind::Truncated {
                what: "b",
                need: 4,
                have: 3
            }
        );
        assert_eq!(
            e.to_string(),
            "truncated b: need 4 bytes, have 3 at offset 102"
        );
        // A failed read consumes nothing.
        assert_eq!(c.u8("c").unwrap(), 0x56);
    }

    #[test]
    fn huge_lengths_do_not_overflow() {
        let mut c = Cursor::new(&[1, 2, 3], 0);
        c.u8("x").unwrap();
        assert!(c.bytes(usize::MAX, "big").is_err());
        assert_eq!(c.remaining(), 2);
    }

    #[test]
    fn cstr_stops_at_nul() {
        let mut c = Cursor::new(b"ab\0cd", 0);
        assert_eq!(c.cstr("s").unwrap(), b"ab");
        assert_eq!(
            c.cstr("s").unwrap_err().kind,
            ErrorKind::Unterminated { what: "s" }
        );
    }

    #[test]
    fn a_cut_layout_names_the_first_part_that_does_not_fit() {
        use crate::layout::Subject32;
        // subject32 after its id: ids (28 bytes), port (4), address (4); cut inside the port.
        let bytes = [7u8; 30];
        let mut c = Cursor::new(&bytes, 1000);
        let e = c.layout::<Subject32>().err().unwrap();
        assert_eq!(e.offset, 1028);
        let want = ErrorKind::Truncated {
            what: "subject.tid.port",
            need: 4,
            have: 2,
        };
        assert_eq!(e.kind, want);
        // Nothing is consumed; a whole layout is.
        assert_eq!(c.pos(), 0);
        let whole = [7u8; 40];
        let mut c = Cursor::new(&whole, 0);
        let l = c.layout::<Subject32>().unwrap();
        assert_eq!((l.ids.pid.get(), l.addr), (0x0707_0707, [7; 4]));
        assert_eq!(c.pos(), 36);
        // Cut inside the first part: it is named, at the start.
        let e = Cursor::new(&whole[..5], 0)
            .layout::<Subject32>()
            .err()
            .unwrap();
        assert_eq!(
            (e.offset, e.kind.clone()),
            (
                0,
                ErrorKind::Truncated {
                    what: "subject.ids",
                    need: 28,
                    have: 5
                }
            )
        );
    }
}
