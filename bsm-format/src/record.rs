//! A framed record and the lazy iteration over its tokens.

use crate::cursor::Cursor;
use crate::error::{Error, ErrorKind};
use crate::ids::TokenId;
use crate::ids::{TRAILER_MAGIC, TRAILER_SIZE};
use crate::token::{Ctx, Header, HeaderKind, Token};

/// What a record (a unit of the trail) starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// An ordinary record: header, tokens, trailer.
    Header(HeaderKind),
    /// A standalone `file` token between records (written at the start and end of trail files).
    File,
}

/// One record of a trail, borrowed from the input. Tokens are decoded lazily by [`Record::tokens`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    offset: u64,
    bytes: &'a [u8],
}

impl<'a> Record<'a> {
    /// Wraps bytes that framing has cut out (`bytes[0]` is a header or file token id).
    pub(crate) fn new(offset: u64, bytes: &'a [u8]) -> Record<'a> {
        Record { offset, bytes }
    }

    /// Offset of the record's first byte in the input.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The record's raw bytes, header to trailer.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The record's length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the record has no bytes (never, for a framed record).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Which token starts the record: one of the four headers, or a standalone `file` token.
    pub fn kind(&self) -> RecordKind {
        match self.bytes.first().copied().and_then(HeaderKind::from_id) {
            Some(k) => RecordKind::Header(k),
            None => RecordKind::File,
        }
    }

    /// Decodes the header (the first token) of an ordinary record; `None` for the `file` token
    /// that auditd writes at the start and end of every trail file, which has no header.
    pub fn header(&self) -> Result<Option<Header>, Error> {
        match self.kind() {
            RecordKind::Header(kind) => {
                let mut c = Cursor::new(self.bytes, self.offset);
                c.u8("header id")?;
                Header::decode(&mut c, kind).map(Some)
            }
            RecordKind::File => Ok(None),
        }
    }

    /// The tokens of the record, decoded one by one. Iteration stops after the first error.
    /// The trailer is checked: a bad magic, a count that disagrees with the header, a missing
    /// trailer or bytes after it are reported as errors after the tokens before them.
    pub fn tokens(&self) -> Tokens<'a> {
        Tokens {
            c: Cursor::new(self.bytes, self.offset),
            ctx: Ctx::new(self.bytes, self.offset),
            header_size: None,
            is_file: self.kind() == RecordKind::File,
            saw_trailer: false,
            pending: None,
            done: false,
        }
    }
}

/// Most tokens of a record walked by their layouts alone (more go through the decoder).
const SCAN_MAX: usize = 64;

impl<'a> Record<'a> {
    /// Calls `f` with the id and the bytes of each token of the record, in order, and returns
    /// the first problem decoding it: the same tokens, bytes and error as [`Record::tokens`]
    /// gives, without building token values. A well-formed record made of the common tokens is
    /// walked by their layouts alone; any other record is decoded in full.
    pub fn scan(&self, mut f: impl FnMut(TokenId, &'a [u8])) -> Option<Error> {
        let b = self.bytes;
        let mut ends = [0u32; SCAN_MAX];
        if let Some(n) = self.simple_walk(&mut ends) {
            let mut start = 0;
            for &end in &ends[..n] {
                let end = end as usize;
                f(TokenId(b[start]), &b[start..end]);
                start = end;
            }
            return None;
        }
        let mut toks = self.tokens();
        loop {
            let start = (toks.offset() - self.offset) as usize;
            match toks.next()? {
                Ok(t) => {
                    let end = (toks.offset() - self.offset) as usize;
                    f(t.id(), &b[start..end]);
                }
                Err(e) => return Some(e),
            }
        }
    }

    /// Writes the ends of the tokens of a well-formed record of common tokens and returns how
    /// many; `None` when the record needs the full decoder.
    #[inline(always)]
    fn simple_walk(&self, ends: &mut [u32; SCAN_MAX]) -> Option<usize> {
        let b = self.bytes;
        let header = crate::layout::read::<zerocopy::byteorder::big_endian::U32>(b.get(1..)?)?;
        let mut pos = 1 + crate::layout::header_len(b[0], &b[1..])?;
        ends[0] = pos as u32;
        let mut n = 1;
        while n < SCAN_MAX {
            let id = *b.get(pos)?;
            let rest = &b[pos + 1..];
            if id == TokenId::TRAILER.0 {
                let t = crate::layout::read::<crate::layout::Trailer>(rest)?;
                let whole = pos + TRAILER_SIZE == b.len()
                    && t.magic.get() == TRAILER_MAGIC
                    && t.size.get() == header.get();
                if !whole {
                    return None;
                }
                ends[n] = b.len() as u32;
                return Some(n + 1);
            }
            pos += 1 + crate::layout::simple_len(id, rest)?;
            ends[n] = pos as u32;
            n += 1;
        }
        None
    }
}

/// Iterator over the tokens of a [`Record`].
pub struct Tokens<'a> {
    c: Cursor<'a>,
    ctx: Ctx<'a>,
    header_size: Option<u32>,
    is_file: bool,
    saw_trailer: bool,
    pending: Option<Error>,
    done: bool,
}

impl<'a> Tokens<'a> {
    /// Offset (in the input) of the next token to be decoded.
    pub fn offset(&self) -> u64 {
        self.c.offset()
    }

    fn fail(&mut self, e: Error) -> Option<Result<Token<'a>, Error>> {
        self.done = true;
        Some(Err(e))
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Result<Token<'a>, Error>;

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.pending.take() {
            return self.fail(e);
        }
        if self.done {
            return None;
        }
        if self.c.remaining() == 0 {
            self.done = true;
            if self.is_file || self.saw_trailer {
                return None;
            }
            return Some(Err(self.c.error(ErrorKind::MissingTrailer)));
        }
        if self.saw_trailer {
            let remaining = self.c.remaining() as u64;
            return self.fail(self.c.error(ErrorKind::TrailerNotAtEnd { remaining }));
        }
        let at = self.c.offset();
        let tok = match Token::decode(&mut self.c, &self.ctx, 0) {
            Ok(t) => t,
            Err(e) => return self.fail(e),
        };
        match &tok {
            Token::Header(h) if self.header_size.is_none() => self.header_size = Some(h.size),
            Token::Trailer(t) => {
                self.saw_trailer = true;
                if self.c.remaining() == 0 {
                    let size = self.header_size.unwrap_or(self.ctx.buf.len() as u32);
                    if let Err(e) = t.check(size, at) {
                        self.pending = Some(e);
                    }
                }
            }
            Token::ExecArgs(_)
            | Token::ExecEnv(_)
            | Token::Krb5Principal(_)
            | Token::CertHash(_) => {
                // The rest of the record was checked while reading the list: no need again.
                self.ctx.validated.set(true);
            }
            _ => {}
        }
        Some(Ok(tok))
    }
}

impl std::iter::FusedIterator for Tokens<'_> {}

/// A record serializes as `{"offset", "kind", "length", "tokens": [...], "error"?}`: the tokens
/// decoded, and the first decode error (with its offset) if there was one.
impl serde::Serialize for Record<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut tokens = Vec::new();
        let mut error = None;
        for t in self.tokens() {
            match t {
                Ok(t) => tokens.push(t),
                Err(e) => error = Some(e),
            }
        }
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("offset", &self.offset)?;
        m.serialize_entry("kind", &self.kind())?;
        m.serialize_entry("length", &self.bytes.len())?;
        m.serialize_entry("tokens", &tokens)?;
        if let Some(e) = error {
            m.serialize_entry(
                "error",
                &ErrorJson {
                    offset: e.offset,
                    message: e.kind.to_string(),
                },
            )?;
        }
        m.end()
    }
}

#[derive(serde::Serialize)]
struct ErrorJson {
    offset: u64,
    message: String,
}

#[cfg(test)]
mod tests {
    use crate::encode::{with_nul, RecordBuilder};
    use crate::{EventType, Text, Time, Token};

    #[test]
    fn from_bytes_takes_exactly_one_record() {
        let trail = crate::generate::Generator::new(3).trail(3);
        let recs: Vec<_> = crate::records(&trail).map(|r| r.unwrap()).collect();
        for r in &recs {
            let again = super::Record::from_bytes(r.offset(), r.bytes()).unwrap();
            assert_eq!((again.offset(), again.bytes()), (r.offset(), r.bytes()));
        }
        let two = [recs[1].bytes(), recs[2].bytes()].concat();
        let e = super::Record::from_bytes(1000, &two).unwrap_err();
        assert_eq!(
            e.kind,
            crate::ErrorKind::NotOneRecord {
                extra: recs[2].len() as u64
            }
        );
        assert_eq!(e.offset, 1000);
        let cut = &recs[1].bytes()[..recs[1].len() - 1];
        let e = super::Record::from_bytes(1000, cut).unwrap_err();
        assert!(
            matches!(e.kind, crate::ErrorKind::RecordTruncated { .. }),
            "{e}"
        );
        assert_eq!(e.offset, 1000);
    }

    #[test]
    fn records_serialize_with_their_tokens_and_errors() {
        let path = with_nul(b"/etc/\xffpasswd");
        let mut b = RecordBuilder::new(EventType(72), Time::new(1_700_000_000, 5));
        b.push(&Token::Path(Text(&path)));
        let mut bytes = b.finish();
        let rec = crate::records(&bytes).next().unwrap().unwrap();
        let v: serde_json::Value = serde_json::to_value(rec).unwrap();
        assert_eq!(v["kind"]["header"], "header32");
        assert_eq!(v["tokens"][0]["type"], "header32");
        assert_eq!(v["tokens"][0]["event"], 72);
        assert_eq!(v["tokens"][1]["type"], "path");
        assert_eq!(v["tokens"][1]["path"]["base64"], "L2V0Yy//cGFzc3dk");
        assert_eq!(v["tokens"][2]["type"], "trailer");
        assert!(v.get("error").is_none());
        // Damage the trailer's magic: the error is part of the record's JSON.
        let n = bytes.len();
        bytes[n - 6] = 0;
        let rec = crate::records(&bytes).next().unwrap().unwrap();
        let v: serde_json::Value = serde_json::to_value(rec).unwrap();
        assert_eq!(v["error"]["offset"], (n - 6) as u64);
    }
}
