//! Quoting for the knox-native tools (defined in `knox_model::quote`).

pub use knox_model::quote::*;
