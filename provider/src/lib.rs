//! # gb-gateway: the Global Brain provider gateway
//!
//! A reverse proxy a provider puts in front of any HTTP AI service so that every call
//! is paid through escrow payment channels and settled on chain in batches. The wire
//! protocol is `gb-protocol` (`docs/payment-protocol.md`).
//!
//! A request's path through the gateway:
//!
//! * [`server`]: axum routes; every path but the gateway's own is paid (or free, by
//!   configuration) and forwarded.
//! * [`gate`]: decodes the voucher header, finds the channel ([`channels`]: a cache fed
//!   by chain events, one chain read on first sight), applies the rules of
//!   [`channel`], verifies the signature ([`signature`], `gb_voucher::verify`), reserves
//!   the charge and waits until the [`writer`] made it durable in the [`store`] (one
//!   fsync for every write queued meanwhile). A store failure answers `503` and
//!   forwards nothing.
//! * [`proxy`]: streams the request to the service and its response back
//!   ([`capture`] keeps small responses for `Idempotency-Key` replays); an upstream
//!   failure refunds the charge.
//!
//! In the background: the [`follower`] applies finalized chain events to the cache and
//! keeps the [`clock`] in step with the chain; the [`claimer`] batch-claims due
//! channels. [`gateway`] wires it all and shuts it down gracefully; [`config`] is the
//! TOML file; [`metrics`] the Prometheus endpoint; [`cli`] the `gb-gateway` command.

// A refusal (`gate::Refused`: the problem document and the 402 challenge) is large
// and built only on the refusal path; boxing it would not make the paid path cheaper.
#![allow(clippy::result_large_err)]

pub mod capture;
pub mod channel;
pub mod channels;
pub mod claimer;
pub mod cli;
pub mod clock;
pub mod config;
pub mod follower;
pub mod gate;
pub mod gateway;
pub mod metrics;
pub mod proxy;
pub mod server;
pub mod signature;
pub mod store;
pub mod terms;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod writer;

pub use config::Config;
pub use gateway::{start, Running, Setup, StartError};
