//! # gb-sim: agent-based market simulation of the Global Brain reputation formula
//!
//! Providers with hidden quality and prices, clients choosing by the ranking with
//! ε-exploration, noisy ratings, and escrow-style channels (batched claims, expiries,
//! failure reports), scored with the **same integer code as the reputation contract**
//! (`gb-scoring`, used verbatim) and the contract's rules around it (`rules`, a mirror
//! of `reputation/src`). Baselines, adversaries and metrics follow research §4; see
//! `README.md` for the model, the results and the parameter choices.
//!
//! Modules: [`config`] (what a market is), [`rng`] (deterministic randomness),
//! [`rules`] (contract mirror), [`market`] (state and event delivery), [`agents`]
//! (honest and adversarial behaviour), [`run`] (one run and its measurements),
//! [`experiment`] (scenarios, seeds, aggregation), [`stats`], [`report`] (tables,
//! CSV, charts drawn with `gb-charts`), [`cli`].

pub mod agents;
pub mod cli;
pub mod config;
pub mod experiment;
pub mod market;
pub mod report;
pub mod rng;
pub mod rules;
pub mod run;
pub mod stats;
