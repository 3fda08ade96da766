//! Forwards the plugin's `tracing` events to the host.
//!
//! A plugin library has its own copy of `tracing`'s global dispatcher, so without this its
//! events would go nowhere. `init` installs a small subscriber that formats each event and
//! hands it to the host's `log` callback, which records it under the plugin's name. Panic
//! messages go the same way (at debug level: the host reports them as errors anyway).

use std::fmt::Write as _;

use newspipe_plugin_abi::{
    NpHostApi, NpStr, NP_LOG_DEBUG, NP_LOG_ERROR, NP_LOG_INFO, NP_LOG_TRACE, NP_LOG_WARN,
};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Installs the forwarding subscriber and panic hook; later calls change nothing.
pub(crate) fn install(host: NpHostApi) {
    let forward = Forward {
        host,
        max: match host.max_log_level {
            NP_LOG_ERROR => LevelFilter::ERROR,
            NP_LOG_WARN => LevelFilter::WARN,
            NP_LOG_INFO => LevelFilter::INFO,
            NP_LOG_DEBUG => LevelFilter::DEBUG,
            NP_LOG_TRACE => LevelFilter::TRACE,
            _ => LevelFilter::OFF,
        },
    };
    if tracing::subscriber::set_global_default(forward).is_ok() {
        std::panic::set_hook(Box::new(|info| tracing::debug!("{info}")));
    }
}

/// The subscriber: spans are ignored, events are formatted and forwarded.
struct Forward {
    host: NpHostApi,
    max: LevelFilter,
}

impl Subscriber for Forward {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= self.max
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.max)
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut text = Message::default();
        event.record(&mut text);
        let metadata = event.metadata();
        let level = match *metadata.level() {
            Level::ERROR => NP_LOG_ERROR,
            Level::WARN => NP_LOG_WARN,
            Level::INFO => NP_LOG_INFO,
            Level::DEBUG => NP_LOG_DEBUG,
            Level::TRACE => NP_LOG_TRACE,
        };
        let target = metadata.target();
        // SAFETY: both strings are borrowed for the duration of the call, as the ABI requires.
        unsafe {
            (self.host.log)(
                level,
                NpStr {
                    ptr: target.as_ptr(),
                    len: target.len(),
                },
                NpStr {
                    ptr: text.0.as_ptr(),
                    len: text.0.len(),
                },
            )
        };
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

/// An event's message followed by its other fields as `key=value`.
#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.insert_str(0, value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.insert_str(0, &format!("{value:?}"));
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}
