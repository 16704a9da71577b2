//! The checks behind the fuzz targets. Each drains everything the decoder produces and asserts an
//! invariant; `cargo test` replays every fuzz corpus file and past crash through them.

use bsm_format::{records, FrameOptions, RecordReader, Token};

use crate::{decode_reader, decode_slice, Trickle};

/// Whole-trail decoding with resync: terminates, every record is a slice of the input at its
/// offset, offsets only grow, every error is inside the input, and every decoded token
/// re-encodes to the bytes it was decoded from.
pub fn check_trail(data: &[u8]) {
    let mut last: Option<u64> = None;
    let mut items = 0usize;
    for item in records(data) {
        items += 1;
        assert!(
            items <= data.len() + 1,
            "more items than bytes: the iterator loops"
        );
        match item {
            Ok(rec) => {
                let off = rec.offset() as usize;
                assert_eq!(&data[off..off + rec.len()], rec.bytes());
                if let Some(l) = last {
                    assert!(rec.offset() > l, "offsets must grow");
                }
                last = Some(rec.offset());
                check_record_tokens(rec);
            }
            Err(e) => assert!(
                e.offset <= data.len() as u64,
                "error offset {} past the input",
                e.offset
            ),
        }
    }
}

fn check_record_tokens(rec: bsm_format::Record<'_>) {
    let mut out = Vec::new();
    let mut n = 0usize;
    for t in rec.tokens() {
        n += 1;
        assert!(n <= rec.len() + 2, "token iterator loops");
        match t {
            Ok(t) => t.encode(&mut out),
            Err(e) => {
                let end = rec.offset() + rec.len() as u64;
                assert!(
                    e.offset >= rec.offset() && e.offset <= end,
                    "token error outside its record"
                );
                break;
            }
        }
    }
    assert_eq!(
        &rec.bytes()[..out.len()],
        &out[..],
        "decoded tokens do not re-encode to their bytes"
    );
}

/// The streaming reader yields exactly what the slice iterator yields, at a read size chosen by
/// the input.
pub fn check_reader_equals_slice(data: &[u8]) {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let chunk = 1 + (k as usize % 97) * (1 + k as usize / 97) * 13;
    assert_eq!(
        decode_reader(rest, chunk),
        decode_slice(rest),
        "read size {chunk}"
    );
    // And with strict framing the reader stops where the slice iterator stops.
    let strict = FrameOptions {
        resync: false,
        ..FrameOptions::default()
    };
    let mut r = RecordReader::with_options(
        Trickle {
            data: rest,
            n: chunk,
        },
        chunk,
        strict,
    );
    let mut a = Vec::new();
    while let Some(x) = r.next_record() {
        a.push(x.map(|r| r.offset()).map_err(|e| e.to_string()));
    }
    let b: Vec<_> = bsm_format::Trail::new(rest, strict)
        .map(|x| x.map(|r| r.offset()).map_err(|e| e.to_string()))
        .collect();
    assert_eq!(a, b);
}

/// One token alone: decoding never reads past the input, and what decodes re-encodes exactly.
pub fn check_token(data: &[u8]) {
    if let Ok((t, used)) = bsm_format::token::decode_one(data) {
        assert!(used <= data.len());
        let mut out = Vec::new();
        t.encode(&mut out);
        assert_eq!(out, &data[..used]);
        let _ = serde_json::to_string(&t).expect("every token serializes");
    }
}

/// Encode-then-decode: a record assembled from fuzzer-chosen tokens decodes to the same tokens.
pub fn check_roundtrip(data: &[u8]) {
    // Cut the input into token candidates; keep those that decode alone and fully.
    let mut b = bsm_format::encode::RecordBuilder::new(
        bsm_format::EventType(1),
        bsm_format::Time::new(1, 2),
    );
    let mut kept: Vec<Vec<u8>> = Vec::new();
    let mut rest = data;
    while !rest.is_empty() && kept.len() < 64 {
        match bsm_format::token::decode_one(rest) {
            Ok((t, used)) if used > 0 => {
                let keep = !matches!(
                    t,
                    Token::Header(_)
                        | Token::Trailer(_)
                        | Token::File(_)
                        | Token::Unknown { .. }
                        | Token::ExecArgs(_)
                        | Token::ExecEnv(_)
                        | Token::Krb5Principal(_)
                        | Token::CertHash(_)
                );
                if keep {
                    let mut enc = Vec::new();
                    t.encode(&mut enc);
                    b.push(&t);
                    kept.push(enc);
                }
                rest = &rest[used..];
            }
            _ => rest = &rest[1..],
        }
    }
    let bytes = b.finish();
    let rec = records(&bytes).next().expect("one record").expect("framed");
    let toks: Vec<Token> = rec
        .tokens()
        .collect::<Result<_, _>>()
        .expect("a built record decodes");
    assert_eq!(toks.len(), kept.len() + 2);
    for (t, want) in toks[1..toks.len() - 1].iter().zip(&kept) {
        let mut enc = Vec::new();
        t.encode(&mut enc);
        assert_eq!(&enc, want);
    }
}

/// The praudit printer on any input: `-x` output is always well-formed XML, and `--safe` text
/// never carries a control character other than the newline between tokens.
pub fn check_praudit_output(data: &[u8]) {
    use knox::accounts::Accounts;
    use knox::praudit::{Options, Printer};
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let events = bsm_format::tables::EventTable::embedded(bsm_format::tables::Flavor::MacOs);
    let opts = Options {
        xml: mode & 1 != 0,
        oneline: mode & 2 != 0,
        raw: mode & 4 != 0,
        short: mode & 8 != 0 && mode & 4 == 0,
        safe: true,
        utc: true,
        ..Options::default()
    };
    let xml = opts.xml;
    let mut p = Printer::new(opts, events, Accounts::numeric());
    let mut out = Vec::new();
    p.begin(&mut out);
    for r in records(rest).flatten() {
        p.record(&r, &mut out);
    }
    p.end(&mut out);
    if xml {
        let text = std::str::from_utf8(&out).expect("XML output is UTF-8");
        if let Err(e) = roxmltree::Document::parse(text) {
            panic!("XML output does not parse: {e}\n{text}");
        }
    } else {
        assert!(
            out.iter().all(|&c| c >= 0x20 && c != 0x7f || c == b'\n'),
            "a control character in --safe text output"
        );
    }
}

/// `knox json` on any input: every line is a JSON object.
pub fn check_json_output(data: &[u8]) {
    let events = bsm_format::tables::EventTable::embedded(bsm_format::tables::Flavor::MacOs);
    for r in records(data).flatten() {
        let mut out = Vec::new();
        knox::json::write_record(&mut out, &r, "-", events);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("a JSON line");
        assert!(v.is_object());
        assert_eq!(
            out.iter().filter(|&&c| c == b'\n').count(),
            1,
            "one line per record"
        );
    }
}

/// `knox commands` on any input: one line per exec, with no control character in it.
pub fn check_commands_output(data: &[u8]) {
    use knox::commands::{exec_of, write_exec, Options, Which};
    let accounts = knox::accounts::Accounts::numeric();
    for long in [false, true] {
        let opts = Options {
            long,
            env: true,
            which: Which::All,
            json: false,
            utc: true,
        };
        for r in records(data).flatten() {
            if let Some(e) = exec_of(&r, "-") {
                let mut out = Vec::new();
                write_exec(&mut out, &e, &opts, &accounts);
                assert_eq!(out.last(), Some(&b'\n'));
                assert!(
                    out[..out.len() - 1].iter().all(|&c| c >= 0x20 && c != 0x7f),
                    "a control character in a commands line: {:?}",
                    String::from_utf8_lossy(&out)
                );
            }
        }
    }
}

/// Runs the activity model over a trail (resyncing past damage) into `sink`; returns how many
/// failed records it counted.
fn activity(data: &[u8], pid: Option<u32>, sink: &mut dyn knox::activity::Sink) -> u64 {
    let events = bsm_format::tables::EventTable::embedded(bsm_format::tables::Flavor::MacOs);
    let mut model = knox::activity::Model::new(pid, false);
    for r in records(data).flatten() {
        if r.kind() != bsm_format::RecordKind::File {
            model.add(&r, events);
            model.drain(sink).unwrap();
        }
    }
    model.finish(sink).unwrap();
    model.failed_records
}

/// Counts the processes the model hands over.
#[derive(Default)]
struct Count(u64);
impl knox::activity::Sink for Count {
    fn done(
        &mut self,
        a: knox::activity::Activity,
        _: &knox::activity::Running<'_>,
    ) -> std::io::Result<()> {
        self.0 += a.in_scope as u64;
        Ok(())
    }
}

fn assert_no_controls(what: &str, out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| (c.is_control() && c != '\n') || ('\u{80}'..='\u{9f}').contains(&c))
        .collect();
    assert!(bad.is_empty(), "{what}: {bad:?} in {text:?}");
}

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    out.split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("a JSON line"))
        .collect()
}

/// `knox ps`, `tree`, `files`, `errors` and `net` on any input: their text has no control
/// character; `errors --json` counts add up to the failed records; the tree, whole or
/// streaming, prints every process once, after its parent and one level deeper.
pub fn check_activity_output(data: &[u8]) {
    use knox::activity::{print, tree::Tree};
    let events = bsm_format::tables::EventTable::embedded(bsm_format::tables::Flavor::MacOs);
    for json in [false, true] {
        let mut out = Vec::new();
        activity(data, None, &mut print::Ps::new(&mut out, json));
        let mut files = Vec::new();
        activity(
            data,
            None,
            &mut print::Files::new(&mut files, json, None, false),
        );
        let mut by_path = Vec::new();
        activity(
            data,
            None,
            &mut print::Files::new(&mut by_path, json, None, true),
        );
        let mut net = Vec::new();
        activity(data, None, &mut print::Net::new(&mut net, json, events));
        let mut errors = Vec::new();
        let failed = activity(data, None, &mut print::Errors::new(&mut errors, json));
        for (what, out) in [
            ("ps", &out),
            ("files", &files),
            ("files --by-path", &by_path),
            ("net", &net),
            ("errors", &errors),
        ] {
            if json {
                json_lines(out);
            } else {
                assert_no_controls(what, out);
            }
        }
        if json {
            let total: u64 = json_lines(&errors)
                .iter()
                .map(|v| v["count"].as_u64().unwrap())
                .sum();
            assert_eq!(total, failed, "errors --json counts");
        }
    }
    let mut count = Count::default();
    activity(data, None, &mut count);
    for streaming in [false, true] {
        let mut text = Vec::new();
        activity(data, None, &mut Tree::new(&mut text, false, streaming));
        assert_no_controls("tree", &text);
        let mut out = Vec::new();
        let mut tree = Tree::new(&mut out, true, streaming);
        activity(data, None, &mut tree);
        assert_eq!(tree.held(), 0, "the tree forgot nothing it printed");
        drop(tree);
        let mut depth_of = std::collections::HashMap::new();
        let mut own = std::collections::HashSet::new();
        for v in json_lines(&out) {
            let (id, depth) = (v["id"].as_u64().unwrap(), v["depth"].as_u64().unwrap());
            match v["parent"].as_u64() {
                Some(p) => assert_eq!(depth_of.get(&p), Some(&(depth - 1)), "{v}"),
                None => assert_eq!(depth, 0, "{v}"),
            }
            depth_of.insert(id, depth);
            if !v["context"].as_bool().unwrap() {
                assert!(own.insert(id), "process {id} printed twice: {v}");
            }
        }
        assert_eq!(own.len() as u64, count.0, "every process in the tree");
    }
}
