//! praudit's text and XML forms of each token, one module per token family, as bsm-format's
//! `token/` modules group them. [`super::text`] and [`super::xml`] hold what the families share
//! and send each token to its family.

mod arg;
mod attr;
mod header;
mod ipc;
mod misc;
mod net;
mod process;
mod result;
mod strings;
