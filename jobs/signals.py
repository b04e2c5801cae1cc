from django.dispatch import Signal

# Sent once when a job has applied its rows (sender: the Job class; job=, status=),
# inside the transaction that marks it finished: receivers defer work with on_commit.
job_finished = Signal()
