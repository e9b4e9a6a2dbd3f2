//! # gb-agent: the buyer's side of Global Brain, for people and AI agents
//!
//! A library first (async, a few lines to discover → pay → call → rate), with the `gb`
//! command line and its MCP server (`gb mcp`) on top.
//!
//! * [`Agent`]: discovery across all pages with a selection policy
//!   ([`discover`]), the channel manager (`channels.rs`: reuse, top up, extend, open,
//!   refund), the paying HTTP client (`pay.rs`: the gateway's `402` flow, terms checked
//!   against the registry, safe retries), ratings.
//! * [`store`]: the crash-safe local store (SQLite WAL, `synchronous=FULL`): a restart
//!   never signs below a voucher that may have been sent, never forgets a channel.
//! * [`ledger`]: each channel's client-side books and the one place vouchers are
//!   signed.
//! * [`budget`]: per-call, per-service, total and per-window caps; a refusal is a
//!   [`BudgetError`].
//! * [`wire`]: the payment protocol's headers and documents.
//! * [`cli`], [`mcp`]: the `gb` command line and the MCP server.
//!
//! ```ignore
//! let agent = Agent::new(chain, deployment, key, voucher_key, AgentConfig::new("agent.db")).await?;
//! let (service, _) = agent.choose("medical").await?;
//! let paid = agent.call(&service, CallRequest::post("/infer", body)).await?;
//! println!("{} charged", paid.receipt.charged);
//! let answer = paid.response.bytes().await?;
//! agent.rate(service.id, Rating::Quality(0.9)).await?;
//! ```

pub mod agent;
pub mod budget;
pub mod channels;
pub mod cli;
pub mod config;
pub mod discover;
pub mod error;
pub mod ledger;
pub mod mcp;
pub mod pay;
pub mod store;
#[cfg(feature = "sandbox")]
pub mod testkit;
pub mod wire;

pub use agent::{voucher_key_for, Agent, Balances, Rated, Rating};
pub use budget::{BudgetError, BudgetPolicy, SpendReport, WindowCap};
pub use channels::{ChannelView, Refunded};
pub use config::{AgentConfig, ChannelPolicy, PayPolicy};
pub use discover::{Choice, Order, SelectionPolicy, ServiceInfo};
pub use error::AgentError;
pub use pay::{CallRequest, Paid, ReceiptView};
