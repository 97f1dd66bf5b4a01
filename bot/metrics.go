package bot

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	metricDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "huddlebot_deliveries_total",
		Help: "Outbound messages by platform and result (sent, failed, rate_limited, unreachable).",
	}, []string{"platform", "result"})
	metricConfirms = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "huddlebot_click_confirmations_total",
		Help: "Clicks confirmed through their own reply hook (Slack response_url), by result (replaced, ephemeral, failed: the card is edited instead).",
	}, []string{"result"})
	metricAnswers = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "huddlebot_answers_total",
		Help: "Quiz answers recorded, by correctness.",
	}, []string{"correct"})
	metricAck = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "huddlebot_interaction_ack_seconds",
		Help:    "Time from receiving an interaction to acknowledging it (answer committed).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"kind"})
	metricTickLag = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "huddlebot_scheduler_lag_seconds",
		Help: "How late the last scheduler tick ran compared with when it was due.",
	})
	metricTickDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "huddlebot_scheduler_tick_seconds",
		Help:    "Time one scheduler tick took.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
	})
	metricQueueDepth = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "huddlebot_job_queue_depth",
		Help: "Delivery jobs ready to run or running.",
	})
	metricInbox = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "huddlebot_answer_inbox",
		Help: "Acknowledged Slack answers not applied yet: waiting, or stuck after too many failed passes (needs an operator).",
	}, []string{"state"})
)

// Collectors returns the bot's Prometheus collectors, to register once.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{metricDeliveries, metricConfirms, metricAnswers, metricAck, metricTickLag, metricTickDuration, metricQueueDepth, metricInbox}
}

func observeAck(kind string, start time.Time) {
	metricAck.WithLabelValues(kind).Observe(time.Since(start).Seconds())
}
