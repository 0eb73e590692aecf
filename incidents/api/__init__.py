"""REST API of the incidents app: `probes`, `outages`, `fallbacks` (routed by api_urls)."""
