"""Invigilation services, one module per job; each public function joins the caller's transaction
(the request or command commits: see `exam_engine.core.transactions`)."""
