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
    let mut strict = FrameOptions::default();
    strict.resync = false;
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
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut args = vec!["knox", "praudit", "--utc", "-n", "--safe", "-j", "1"];
    let xml = mode & 1 != 0;
    if xml {
        args.push("-x");
    }
    if mode & 2 != 0 {
        args.push("-l");
    }
    if mode & 4 != 0 {
        args.push("-r");
    } else if mode & 8 != 0 {
        args.push("-s");
    }
    let (_, out, _) = tool(&args, rest);
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

thread_local! {
    /// Each command line the checks run, parsed and resolved once per process (a fuzzing
    /// process runs millions of inputs: each should cost the tool's work, not the setup's).
    static PREPARED: std::cell::RefCell<std::collections::HashMap<Vec<String>, knox::cli::Prepared>> =
        Default::default();
}

/// Runs a knox command line in this process on `data` as stdin, with the embedded macOS event
/// table (the same whatever machine runs it).
fn tool(args: &[&str], data: &[u8]) -> (i32, Vec<u8>, Vec<u8>) {
    let mut args = args.to_vec();
    args.extend(["--flavor", "macos"]);
    let key: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    PREPARED.with(|p| {
        let mut p = p.borrow_mut();
        let prepared = p
            .entry(key)
            .or_insert_with(|| knox::cli::Prepared::new(&args).expect("the command line parses"));
        prepared.run(data).expect("the tool runs")
    })
}

/// `knox json` on any input: one JSON object per line, at most one per record.
pub fn check_json_output(data: &[u8]) {
    let (_, out, _) = tool(&["knox", "json", "-j", "1"], data);
    let units = records(data).count();
    assert!(json_objects(&out) <= units, "more lines than records");
}

/// `knox commands` on any input: one line per exec, with no control character in it. The
/// input's first byte picks the form (plain, `--long`, `--json`), the rest is the trail.
pub fn check_commands_output(data: &[u8]) {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let extra: &[&str] = match mode % 3 {
        0 => &[],
        1 => &["--long"],
        _ => &["--json"],
    };
    let mut args = vec!["knox", "commands", "--all", "--env", "--utc", "-j", "1"];
    args.extend_from_slice(extra);
    let (_, out, _) = tool(&args, data);
    if extra == ["--json"] {
        json_objects(&out);
    } else {
        assert_no_controls("commands", &out);
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

/// Checks that every line is one valid JSON object, without building it (the checks that
/// only need validity are most of the fuzz targets' own time otherwise); the number of lines.
fn json_objects(out: &[u8]) -> usize {
    let mut n = 0;
    for l in out.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
        assert_eq!(l[0], b'{', "a JSON object");
        serde_json::from_slice::<serde::de::IgnoredAny>(l).expect("a JSON line");
        n += 1;
    }
    n
}

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    out.split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("a JSON line"))
        .collect()
}

/// Failed records with a subject: what `knox errors` counts, read here without the tools.
fn failed_records(data: &[u8]) -> u64 {
    thread_local! {
        // Classifying every event of the table is the costly part: once per process.
        static ACTS: knox_model::Acts = knox_model::Acts::new(
            bsm_format::tables::EventTable::embedded(bsm_format::tables::Flavor::MacOs),
        );
    }
    ACTS.with(|acts| {
        records(data)
            .flatten()
            .filter_map(|r| knox_model::Event::parse(&r, acts).ok().flatten())
            .filter(|e| e.subject.is_some() && e.failed())
            .count() as u64
    })
}

/// `knox ps`, `tree`, `files`, `errors` and `net` on any input. The input's first byte picks
/// one check (the rest is the trail), so that each input costs one or two tool runs: 0-5, the
/// text of one tool has no control character; 6, `files` and `files --by-path` JSON lines
/// parse; 7, `net` JSON lines parse and `errors --json` counts add up to the failed records;
/// 8, the tree, whole or streaming, prints every process of `ps` once, after its parent and one
/// level deeper.
pub fn check_activity_output(data: &[u8]) {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let run = |tool_args: &[&str], json: bool| {
        let mut args = vec!["knox"];
        args.extend_from_slice(tool_args);
        args.extend(["--utc", "-j", "1"]);
        if json {
            args.push("--json");
        }
        tool(&args, data).1
    };
    const TEXT: [&[&str]; 6] = [
        &["ps"],
        &["files"],
        &["files", "--by-path"],
        &["net"],
        &["errors"],
        &["tree"],
    ];
    match mode % 9 {
        m @ 0..=5 => {
            let t = TEXT[m as usize];
            assert_no_controls(t[0], &run(t, false));
        }
        6 => {
            for t in [&["files"][..], &["files", "--by-path"]] {
                json_objects(&run(t, true));
            }
        }
        7 => {
            json_objects(&run(&["net"], true));
            let total: u64 = json_lines(&run(&["errors"], true))
                .iter()
                .map(|v| v["count"].as_u64().unwrap())
                .sum();
            assert_eq!(total, failed_records(data), "errors --json counts");
        }
        _ => {
            let processes = json_objects(&run(&["ps"], true));
            check_tree(&run(&["tree"], true), processes);
            check_tree(&tree_streaming(data), processes);
        }
    }
}

fn check_tree(out: &[u8], processes: usize) {
    {
        {
            let mut depth_of = std::collections::HashMap::new();
            let mut own = std::collections::HashSet::new();
            for v in json_lines(out) {
                let id = v["id"].as_str().unwrap().to_string();
                let depth = v["depth"].as_u64().unwrap();
                match v["parent_id"]
                    .as_str()
                    .filter(|p| depth_of.contains_key(*p))
                {
                    Some(p) => assert_eq!(depth_of[p] + 1, depth, "{v}"),
                    None => assert_eq!(depth, 0, "{v}"),
                }
                depth_of.insert(id.clone(), depth);
                if !v["context"].as_bool().unwrap() {
                    assert!(own.insert(id), "a process printed twice: {v}");
                }
            }
            assert_eq!(own.len(), processes, "every process in the tree");
        }
    }
}

/// `knox tree --json` as it prints followed input: closed branches under running ancestors.
fn tree_streaming(data: &[u8]) -> Vec<u8> {
    tree_json(data, true)
}

thread_local! {
    /// The tree's settings, resolved once per process; each run reads its input from memory.
    static TREE: std::cell::RefCell<Option<knox::settings::Settings>> = const { std::cell::RefCell::new(None) };
}

/// `knox tree --json` on a trail: whole, or (`streaming`) as followed input prints it.
pub fn tree_json(data: &[u8], streaming: bool) -> Vec<u8> {
    TREE.with(|t| {
        let mut t = t.borrow_mut();
        let s = t.get_or_insert_with(tree_settings);
        let info = s.sources[0].1.clone();
        s.sources = vec![(knox::input::Source::Memory(data.into()), info)];
        tree_on(s, streaming)
    })
}

fn tree_settings() -> knox::settings::Settings {
    use knox::settings::{Given, Inputs, Settings};
    let events = knox::settings::TableFiles {
        flavor: Some(bsm_format::tables::Flavor::MacOs),
        ..Default::default()
    };
    let given = Given {
        utc: true,
        stdin: Some(Vec::new().into()),
        ..Given::tables(events)
    };
    Settings::resolve("knox tree", Inputs::files(&[]), given).unwrap()
}

fn tree_on(s: &knox::settings::Settings, streaming: bool) -> Vec<u8> {
    use knox::activity::{print::Out, tree::Tree, Activities};
    let mut out = Vec::new();
    let mut tree = Tree::new(Out::new(&mut out, true, s.context()), streaming);
    let mut msgs = Vec::new();
    let mut sink = Activities::new(&mut tree, None, true, &s.events, s.what, &mut msgs);
    knox::pipeline::run(
        &s.sources,
        &s.loop_options(),
        &|| knox::events::Facts::new(&s.acts, &s.filter),
        &mut sink,
        &mut Vec::new(),
    )
    .unwrap();
    drop(sink);
    assert_eq!(tree.held(), 0, "the tree forgot nothing it printed");
    drop(tree);
    out
}

/// The fast paths agree with the decoder: `Record::scan` gives every record's token ids, token
/// bytes and first error exactly as `tokens()` does, and batches (read or in memory, of a size
/// taken from the input) frame exactly what the slice iterator frames.
pub fn check_fast_paths(data: &[u8]) {
    for r in records(data).flatten() {
        let mut scanned = Vec::new();
        let e = r.scan(|id, b| scanned.push((id.0, b.to_vec())));
        let mut toks = r.tokens();
        let mut decoded = Vec::new();
        let mut error = None;
        loop {
            let start = (toks.offset() - r.offset()) as usize;
            match toks.next() {
                None => break,
                Some(Ok(t)) => {
                    let end = (toks.offset() - r.offset()) as usize;
                    decoded.push((t.id().0, r.bytes()[start..end].to_vec()));
                }
                Some(Err(x)) => {
                    error = Some(x);
                    break;
                }
            }
        }
        assert_eq!(scanned, decoded, "scan and tokens differ at {}", r.offset());
        assert_eq!(
            e,
            error,
            "scan and tokens report differently at {}",
            r.offset()
        );
    }
    let want = decode_slice(data);
    let size = data.first().map_or(1, |&b| 1 + b as usize * 7);
    assert_eq!(crate::decode_batches(data, size), want, "batches of {size}");
    assert_eq!(
        crate::decode_memory_batches(data, size),
        want,
        "memory batches of {size}"
    );
}

/// `knox hunt` on any input, with the project's rules and `fuzz/rules` (every kind of test).
/// The input's first byte picks the format, the rest is the trail: JSON matches parse and name
/// a loaded rule and its author, OCSF findings are Detection Findings, the text has no control
/// character, and there are no more matches than records times rules.
pub fn check_hunt_output(data: &[u8]) {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let own = crate::root().join("tests/data/hunt");
    let fuzz = crate::root().join("fuzz/rules");
    let (own, fuzz) = (own.to_str().unwrap(), fuzz.to_str().unwrap());
    let format = ["text", "json", "ocsf"][mode as usize % 3];
    let args = [
        "knox", "hunt", "--sigma", own, "--sigma", fuzz, "--utc", "-j", "1", "--format", format,
    ];
    let (_, out, _) = tool(&args, data);
    match format {
        "text" => assert_no_controls("hunt", &out),
        "json" => {
            let lines = json_lines(&out);
            let records = records(data).count();
            assert!(
                lines.len() <= records * 6,
                "more matches than records x rules"
            );
            for m in lines {
                let id = m["rule"]["id"].as_str().expect("a rule id");
                assert!(id.starts_with("6a2c9a3e-knox-"), "{id}");
                assert_eq!(m["rule"]["author"], "knox tests");
            }
        }
        _ => {
            for f in json_lines(&out) {
                assert_eq!(f["class_uid"], 2004);
            }
        }
    }
}

/// Any text as a Sigma rule: loaded or set aside with a reason, never a panic; the rules it
/// gives answer the same twice, on fields made from the text itself, with valid rule numbers.
pub fn check_sigma_rule(data: &[u8]) {
    use knox_model::sigma::{Category, Fields, FIELDS};
    let text = String::from_utf8_lossy(data).into_owned();
    let set =
        knox_hunt::RuleSet::from_texts(&[(std::path::PathBuf::from("fuzz.yml"), text.clone())]);
    for s in &set.skipped {
        assert!(!s.why.why().is_empty());
    }
    // Values: pieces of the text, numbers and addresses, so that tests get something to find.
    let pieces: Vec<&str> = text
        .split(['\n', '\'', '"', ':'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .take(8)
        .collect();
    for category in Category::ALL {
        let mut values: Vec<(&str, &str)> = Vec::new();
        for (i, f) in FIELDS.iter().filter(|f| f.category == category).enumerate() {
            let v = match f.name {
                "ProcessId" | "ParentProcessId" | "DestinationPort" | "SourcePort" => "443",
                "DestinationIp" | "SourceIp" => "10.1.2.3",
                "Initiated" => "true",
                _ => pieces.get(i % pieces.len().max(1)).copied().unwrap_or(""),
            };
            values.push((f.name, v));
        }
        let fields = Fields::new(category, &values);
        let first = set.matches(&fields);
        assert_eq!(first, set.matches(&fields));
        assert!(first.windows(2).all(|w| w[0] < w[1]));
        for i in first {
            assert_eq!(set.rules[i].category, category);
        }
    }
}
