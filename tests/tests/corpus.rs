//! The sample trails in `corpus/` are exactly what the project's generator makes, and decode to
//! the counts in `corpus/MANIFEST.tsv`. `KNOX_UPDATE_CORPUS=1 cargo test -p knox-tests --test corpus`
//! rewrites them.

use bsm_format::generate::{Generator, HeaderMix};
use bsm_format::RecordKind;
use knox_tests::{decode_slice, root, Unit};

fn damaged() -> Vec<u8> {
    // A good trail with 37 bytes of garbage after its 100th record and its last record cut short.
    let good = Generator::new(3).headers(HeaderMix::Mixed).trail(300);
    let cut: Vec<(u64, usize)> = bsm_format::records(&good)
        .map(|r| r.unwrap())
        .filter(|r| r.kind() != RecordKind::File)
        .map(|r| (r.offset(), r.len()))
        .collect();
    let (off, len) = cut[100];
    let mid = (off as usize) + len;
    let mut v = good[..mid].to_vec();
    v.extend_from_slice(&[0x5a; 37]);
    let (last_off, last_len) = cut[299];
    v.extend_from_slice(&good[mid..last_off as usize + last_len - 10]);
    v
}

fn expected() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "sample.bsm",
            Generator::new(1).headers(HeaderMix::Mixed).trail(2000),
        ),
        (
            "macos-h32.bsm",
            Generator::new(2).headers(HeaderMix::H32).trail(500),
        ),
        ("damaged.bsm", damaged()),
    ]
}

#[test]
fn corpus_files_are_generated_and_match_the_manifest() {
    let dir = root().join("corpus");
    let update = std::env::var_os("KNOX_UPDATE_CORPUS").is_some();
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = manifest
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    for (name, bytes) in expected() {
        let path = dir.join(name);
        if update {
            std::fs::write(&path, &bytes).unwrap();
        }
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{name} is not what the generator makes"
        );
        let units = decode_slice(&bytes);
        let records = units
            .iter()
            .filter(|u| matches!(u, Unit::Record { ids, .. } if ids.first() != Some(&0x11)))
            .count();
        let files = units
            .iter()
            .filter(|u| matches!(u, Unit::Record { ids, .. } if ids.first() == Some(&0x11)))
            .count();
        let errors = units
            .iter()
            .filter(|u| matches!(u, Unit::Error(_) | Unit::Record { error: Some(_), .. }))
            .count();
        let row = rows
            .iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("{name} not in MANIFEST.tsv"));
        assert_eq!(
            (records.to_string(), files.to_string(), errors.to_string()),
            (row[1].to_string(), row[2].to_string(), row[3].to_string()),
            "{name}: records, file tokens, errors"
        );
    }
    assert_eq!(rows.len(), expected().len());
}
