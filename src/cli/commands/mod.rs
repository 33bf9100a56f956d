//! One module per subcommand, each with `run(ctx, args)`.

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
