//! Helpers shared by knox's integration tests: locating the praudit oracle and reading its files.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The oracle folder: `$KNOX_ORACLE`, else `../shared/oracle` beside the workspace.
/// Returns `None` (and says so) when it is missing outside CI; in CI a missing oracle fails.
pub fn oracle() -> Option<PathBuf> {
    let dir = std::env::var_os("KNOX_ORACLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/oracle"));
    if dir.join("README.md").exists() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the praudit oracle is missing at {} (set KNOX_ORACLE)", dir.display());
    }
    eprintln!("skipping: the praudit oracle is missing at {}", dir.display());
    None
}

/// The shared tables folder beside the oracle.
pub fn shared() -> Option<PathBuf> {
    oracle().map(|o| o.join(".."))
}

/// Every BSM input of the oracle in the given sub-folders that has a praudit output with `suffix`
/// (e.g. `-r`), as (name, input path, output path), sorted by name.
pub fn inputs_with_output(oracle: &Path, dirs: &[&str], suffix: &str) -> Vec<(String, PathBuf, PathBuf)> {
    let mut v = Vec::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(oracle.join(d)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".txt") || name.ends_with(".stderr") || name.ends_with(".tsv") || name.ends_with(".tok") {
                continue;
            }
            let stem = name.strip_suffix(".bsm").unwrap_or(&name).to_string();
            let out = oracle.join(d).join(format!("{stem}.praudit{suffix}.txt"));
            if out.exists() {
                v.push((format!("{d}/{stem}"), p, out));
            }
        }
    }
    v.sort();
    v
}

/// Token ids per record from praudit's `-r` output (one token per line, each starting with its
/// decimal id; header32_ex prints `21version=...`). Lines that do not start that way continue
/// the previous token (text with embedded newlines).
pub fn ids_from_praudit_r(text: &[u8]) -> Vec<Vec<u8>> {
    let mut records: Vec<Vec<u8>> = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 3 {
            continue;
        }
        let rest = &line[digits..];
        if !(rest.is_empty() || rest.starts_with(b",") || rest.starts_with(b"version=")) {
            continue;
        }
        let Ok(id) = std::str::from_utf8(&line[..digits]).unwrap().parse::<u16>() else {
            continue;
        };
        let Ok(id) = u8::try_from(id) else { continue };
        // A file token starts a unit only between records (after a trailer or another file token).
        let between = records.last().is_none_or(|r| matches!(r.last(), Some(0x13 | 0x11)));
        if matches!(id, 0x14 | 0x15 | 0x74 | 0x79) || (id == 0x11 && between) || records.is_empty() {
            records.push(Vec::new());
        }
        records.last_mut().unwrap().push(id);
    }
    records
}
