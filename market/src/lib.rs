//! # gb-market: the README's main command, a real market
//!
//! Several providers each run a real model behind its own gateway on loopback, paying
//! agents discover them by tag, pay per call, measure the answers against held-out
//! labels and rate with that measured quality; one agent sells an ensemble built from
//! the others.
//!
//! * [`datasets`]: the data (smartcore's bundled breast-cancer, digits and diabetes
//!   sets), split deterministically into the providers' training data and the agents'
//!   held-out test data.
//! * [`models`]: the models the providers train at start-up (k-NN, logistic regression,
//!   naive Bayes, decision trees, ridge regression, baselines) and the scam's random
//!   answers.
//! * [`upstream`]: a model as an HTTP service (`POST /predict`), the upstream a
//!   provider's gateway sits in front of.
//! * [`provider`]: a model service behind its own real gateway (`gb-gateway`),
//!   registered under its market's tag.
//! * [`ensemble`]: the agent that is also a provider: buys from the best-ranked
//!   services and sells their majority vote.
//! * [`run`]: the markets in rounds (agents call, pay, measure, rate; gateways claim).
//! * [`results`]: what a run measured, as JSON and as tables.
//! * [`plots`]: the convergence charts (`--plot DIR`, SVG).

pub mod datasets;
pub mod ensemble;
pub mod models;
pub mod plots;
pub mod provider;
pub mod results;
pub mod run;
pub mod upstream;
