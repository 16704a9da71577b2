//! `knox man`: one roff page with every subcommand in it (clap_mangen renders each part).

use std::io::{self, Write};

/// Writes the page: the command's own sections, then a SUBCOMMANDS section with each
/// subcommand's synopsis, description and options.
pub fn write(cmd: &clap::Command, out: &mut dyn Write) -> io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    page.extend_from_slice(b".SH SUBCOMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("knox {}", sub.get_name());
        let sub = sub.clone().bin_name(name.clone());
        let man = clap_mangen::Man::new(sub);
        writeln!(page, ".SS {name}")?;
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part)?;
        man.render_description_section(&mut part)?;
        man.render_options_section(&mut part)?;
        // Each part starts with its own .SH heading; under SUBCOMMANDS they are sub-headings.
        let text = String::from_utf8_lossy(&part).replace("\n.SH ", "\n.TP\n.B ");
        let text = text
            .strip_prefix(".SH ")
            .map_or(text.clone(), |t| format!(".TP\n.B {t}"));
        page.extend_from_slice(text.as_bytes());
    }
    man.render_version_section(&mut page)?;
    out.write_all(&page)
}
