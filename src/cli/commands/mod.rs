//! One module per subcommand, each with `run(ctx, args)`.
//!
//! Every `run` is `#[inline(never)]`: inlined into the one `match` of
//! `cli::run`, they gave it a 56 KB stack frame whose probe touches all 14
//! pages at every call, a page fault each, before a cached `token` did any
//! work (README "Performance"). Cold paths inside the hot commands are kept
//! out of line the same way.

pub mod api;
pub mod auth_url;
pub mod completions;
pub mod connection_string;
pub mod exchange;
pub mod exec;
pub mod export;
pub mod import;
pub mod key;
pub mod list;
pub mod login;
pub mod logout;
pub mod providers;
pub mod renew;
pub mod schedule;
pub mod status;
pub mod test;
pub mod token;
