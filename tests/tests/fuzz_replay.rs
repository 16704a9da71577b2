//! Replays every fuzz seed, every local fuzz corpus file and every past crash (`fuzz/regressions/`)
//! through the same checks the fuzz targets run. `KNOX_UPDATE_SEEDS=1` rewrites the seeds from the
//! generator and `corpus/`.

use std::path::Path;

use bsm_format::generate::{Generator, HeaderMix};
use knox_tests::{fuzz, root};

type Check = fn(&[u8]);

const TARGETS: [(&str, Check); 11] = [
    ("decode_trail", fuzz::check_trail),
    ("reader_vs_slice", fuzz::check_reader_equals_slice),
    ("decode_token", fuzz::check_token),
    ("roundtrip", fuzz::check_roundtrip),
    ("praudit_output", fuzz::check_praudit_output),
    ("json_output", fuzz::check_json_output),
    ("commands_output", fuzz::check_commands_output),
    ("activity_output", fuzz::check_activity_output),
    ("fast_paths", fuzz::check_fast_paths),
    ("hunt_output", fuzz::check_hunt_output),
    ("sigma_rule", fuzz::check_sigma_rule),
];

/// The seeds of `sigma_rule`: the project's own rules.
fn rule_seeds() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for dir in ["tests/data/hunt", "fuzz/rules"] {
        for f in files_in(&root().join(dir)) {
            if f.extension().is_some_and(|x| x == "yml") {
                let name = f.file_name().unwrap().to_string_lossy().into_owned();
                v.push((name, std::fs::read(&f).unwrap()));
            }
        }
    }
    v
}

fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for (i, mix) in [
        HeaderMix::H32,
        HeaderMix::H64,
        HeaderMix::Ex,
        HeaderMix::Mixed,
    ]
    .into_iter()
    .enumerate()
    {
        v.push((
            format!("gen-{mix:?}"),
            Generator::new(100 + i as u64).headers(mix).trail(8),
        ));
    }
    let sample = std::fs::read(root().join("corpus/damaged.bsm")).unwrap();
    v.push(("damaged-head".into(), sample[..2048].to_vec()));
    // Single records, for the token-level targets.
    let one = Generator::new(7).headers(HeaderMix::Mixed).trail(40);
    for (i, r) in bsm_format::records(&one)
        .enumerate()
        .filter(|(i, _)| i % 4 == 1)
    {
        v.push((format!("record-{i}"), r.unwrap().bytes().to_vec()));
    }
    v
}

fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn fuzz_seeds_corpora_and_regressions_pass_their_checks() {
    let fuzz_dir = root().join("fuzz");
    if std::env::var_os("KNOX_UPDATE_SEEDS").is_some() {
        for (target, _) in TARGETS {
            let d = fuzz_dir.join("seeds").join(target);
            std::fs::create_dir_all(&d).unwrap();
            let inputs = if target == "sigma_rule" {
                rule_seeds()
            } else {
                seeds()
            };
            for (i, (name, bytes)) in inputs.into_iter().enumerate() {
                // Targets whose first byte picks a mode: each mode gets seeds.
                let bytes = match target {
                    "reader_vs_slice" => [&[7u8][..], &bytes].concat(),
                    "commands_output" | "activity_output" | "hunt_output" => {
                        [&[(i % 3) as u8][..], &bytes].concat()
                    }
                    _ => bytes,
                };
                std::fs::write(d.join(name), bytes).unwrap();
            }
        }
    }
    let mut n = 0;
    for (target, check) in TARGETS {
        for sub in ["seeds", "corpus", "regressions"] {
            for f in files_in(&fuzz_dir.join(sub).join(target)) {
                // A running fuzzer may remove corpus files while we list them.
                let Ok(data) = std::fs::read(&f) else {
                    continue;
                };
                let r = std::panic::catch_unwind(|| check(&data));
                assert!(r.is_ok(), "{target}: {} fails its check", f.display());
                n += 1;
            }
        }
    }
    assert!(n >= 4 * seeds().len(), "only {n} fuzz inputs replayed");
}
