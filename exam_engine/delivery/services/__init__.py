"""Services of delivery, one module per job; each public function joins the caller's transaction
(only saving an answer commits itself: see `exam_engine.core.transactions`)."""
