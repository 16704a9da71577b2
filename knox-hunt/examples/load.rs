fn main() {
    let paths: Vec<std::path::PathBuf> = std::env::args().skip(1).map(Into::into).collect();
    let set = knox_hunt::RuleSet::load(&paths).unwrap();
    println!("loaded {}", set.rules.len());
    for s in &set.skipped {
        println!("skipped {} {:?}: {:?}", s.path.display(), s.title, s.why);
    }
}
