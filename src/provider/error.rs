//! Errors from loading, validating and rendering provider profiles. Each names
//! the file (or builtin profile) and the field, so a user editing their own
//! profile can fix it without reading code.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("{}: cannot read: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}:{line}:{column}: {message}")]
    Parse {
        /// The file, abbreviated with `~` when it is under the home directory.
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("provider `{id}` is defined twice: in {first} and in {second}; remove or rename one")]
    Duplicate {
        id: String,
        first: String,
        second: String,
    },
    #[error("unknown provider `{id}`{}; known providers: {known}", did_you_mean(.suggestion))]
    UnknownProvider {
        id: String,
        suggestion: Option<String>,
        known: String,
    },
    #[error("provider `{profile}` has no authentication schemes")]
    NoSchemes { profile: String },
    #[error("provider `{profile}` has no scheme `{id}`; its schemes: {known}")]
    UnknownScheme {
        profile: String,
        id: String,
        known: String,
    },
    #[error("provider `{profile}` has no region `{id}`; its regions: {known}")]
    UnknownRegion {
        profile: String,
        id: String,
        known: String,
    },
    #[error("no value for `{name}`{}", hint_suffix(.hint))]
    MissingVar { name: String, hint: Option<String> },
    #[error("template `{template}`: {reason}")]
    BadTemplate { template: String, reason: String },
}

fn did_you_mean(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

fn hint_suffix(h: &Option<String>) -> String {
    h.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
}
