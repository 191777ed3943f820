-- State machines ------------------------------------------------------------------------------------------

-- name: StateMachineGet
SELECT s.name, s.version, v.type, v.definition, s.origin, s.created_at, s.updated_at
FROM state_machines s JOIN state_machine_versions v ON v.name = s.name AND v.version = s.version
WHERE s.name = @name AND s.deleted_at IS NULL;

-- name: StateMachineList
SELECT s.name, s.version, v.type, v.definition, s.origin, s.created_at, s.updated_at
FROM state_machines s JOIN state_machine_versions v ON v.name = s.name AND v.version = s.version
WHERE s.name > @after AND s.deleted_at IS NULL
ORDER BY s.name LIMIT @limit;

-- name: StateMachineLatestVersion
SELECT coalesce(max(version), 0) FROM state_machine_versions WHERE name = @name;

-- name: StateMachineVersionInsert
INSERT INTO state_machine_versions (name, version, type, definition, created_at) VALUES (@name, @version, @type, @definition, @now);

-- name: StateMachineVersionGet
SELECT type, definition FROM state_machine_versions WHERE name = @name AND version = @version;

-- name: StateMachineSave
INSERT INTO state_machines (name, version, origin, created_at, updated_at, deleted_at) VALUES (@name, @version, @origin, @now, @now, NULL)
ON CONFLICT (name) DO UPDATE SET
    version = excluded.version, origin = excluded.origin, updated_at = excluded.updated_at, deleted_at = NULL,
    created_at = CASE WHEN state_machines.deleted_at IS NULL THEN state_machines.created_at ELSE excluded.created_at END;

-- name: StateMachineDelete
UPDATE state_machines SET deleted_at = @now, updated_at = @now WHERE name = @name AND deleted_at IS NULL;

-- Executions ----------------------------------------------------------------------------------------------

-- name: WorkflowExecutionInsert
INSERT INTO workflow_executions (id, state_machine, version, name, status, input, input_hash, started_at, deadline, random_seed,
                                 started_by, parent_seq, parent_frame, parent_task_key, wake_at, owner, lease_until)
VALUES (@id, @state_machine, @version, @name, 'RUNNING', @input, @input_hash, @started_at, @deadline, @random_seed,
        @started_by, @parent_seq, @parent_frame, @parent_task_key, @wake_at, @owner, @lease_until)
RETURNING seq;

-- name: WorkflowExecutionGet
SELECT seq, id, state_machine, version, name, status, input, input_hash, output, error, cause, started_at, stopped_at, deadline,
       random_seed, last_event_id, transitions, started_by, parent_seq, parent_frame, parent_task_key, stop_requested, stop_error, stop_cause
FROM workflow_executions WHERE id = @id;

-- name: WorkflowExecutionGetBySeq
SELECT seq, id, state_machine, version, name, status, input, input_hash, output, error, cause, started_at, stopped_at, deadline,
       random_seed, last_event_id, transitions, started_by, parent_seq, parent_frame, parent_task_key, stop_requested, stop_error, stop_cause
FROM workflow_executions WHERE seq = @seq;

-- name: WorkflowExecutionList
SELECT seq, id, state_machine, version, name, status, started_at, stopped_at
FROM workflow_executions
WHERE seq < @before_seq
  AND (@state_machine IS NULL OR state_machine = @state_machine)
  AND (@status IS NULL OR status = @status)
ORDER BY seq DESC
LIMIT @limit;

-- name: WorkflowExecutionSave
UPDATE workflow_executions
SET status = @status, output = @output, error = @error, cause = @cause, stopped_at = @stopped_at,
    last_event_id = @last_event_id, transitions = @transitions, wake_at = @wake_at, owner = @owner, lease_until = @lease_until
WHERE seq = @seq;

-- Claims one execution for this runner (its row says it needs one) unless another holds an unexpired lease.
-- PostgreSQL: the same with FOR UPDATE SKIP LOCKED in a CTE.
-- name: WorkflowExecutionClaim
UPDATE workflow_executions SET owner = @owner, lease_until = @lease_until
WHERE seq = @seq AND status = 'RUNNING' AND (owner IS NULL OR owner = @owner OR lease_until < @now)
RETURNING seq;

-- name: WorkflowExecutionClaimDue
UPDATE workflow_executions SET owner = @owner, lease_until = @lease_until
WHERE seq IN (SELECT seq FROM workflow_executions
              WHERE status = 'RUNNING' AND wake_at <= @due AND (owner IS NULL OR lease_until < @now)
              ORDER BY wake_at LIMIT @limit)
RETURNING seq;

-- name: WorkflowExecutionRenewLeases
UPDATE workflow_executions SET lease_until = @lease_until WHERE owner = @owner AND status = 'RUNNING';

-- name: WorkflowExecutionReleaseOrphaned
UPDATE workflow_executions SET owner = NULL, lease_until = NULL, wake_at = coalesce(wake_at, @now)
WHERE status = 'RUNNING' AND owner IS NOT NULL AND owner <> @owner;

-- name: WorkflowExecutionRequestStop
UPDATE workflow_executions SET stop_requested = 1, stop_error = @error, stop_cause = @cause, wake_at = @now
WHERE id = @id AND status = 'RUNNING' AND stop_requested = 0;

-- name: WorkflowExecutionStopRequest
SELECT stop_requested, stop_error, stop_cause FROM workflow_executions WHERE seq = @seq;

-- name: WorkflowExecutionWake
UPDATE workflow_executions SET wake_at = @now WHERE seq = @seq AND status = 'RUNNING';

-- name: WorkflowExecutionNextWake
SELECT min(wake_at) FROM workflow_executions WHERE status = 'RUNNING' AND (owner IS NULL OR lease_until < @now);

-- name: WorkflowExecutionDeleteStoppedBefore
DELETE FROM workflow_executions WHERE seq IN (SELECT seq FROM workflow_executions WHERE stopped_at < @before ORDER BY stopped_at LIMIT @limit)
RETURNING seq;

-- Frames --------------------------------------------------------------------------------------------------

-- name: WorkflowFrameSave
INSERT INTO workflow_frames (execution, frame_id, parent_frame, child_index, status, finished_seq, wait_until, state, task, batch, task_token)
VALUES (@execution, @frame_id, @parent_frame, @child_index, @status, @finished_seq, @wait_until, @state, @task, @batch, @task_token)
ON CONFLICT (execution, frame_id) DO UPDATE SET
    status = excluded.status, finished_seq = excluded.finished_seq, wait_until = excluded.wait_until,
    state = excluded.state, task = excluded.task, batch = excluded.batch, task_token = excluded.task_token,
    heartbeat_at = CASE WHEN excluded.task_token IS NULL THEN NULL ELSE workflow_frames.heartbeat_at END;

-- name: WorkflowFrameListActive
SELECT frame_id, parent_frame, child_index, state, task, batch, completion FROM workflow_frames
WHERE execution = @execution AND status = 1;

-- name: WorkflowFrameChildCounts
SELECT coalesce(sum(CASE WHEN status = 0 THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN status >= 2 THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN status = 3 THEN 1 ELSE 0 END), 0),
       coalesce(max(finished_seq), 0)
FROM workflow_frames WHERE execution = @execution AND parent_frame = @parent;

-- name: WorkflowFramePendingNext
SELECT frame_id, child_index, state FROM workflow_frames
WHERE execution = @execution AND parent_frame = @parent AND status = 0 AND child_index >= @from
ORDER BY child_index LIMIT @limit;

-- name: WorkflowFrameFinishedList
SELECT child_index, status, finished_seq, state FROM workflow_frames
WHERE execution = @execution AND parent_frame = @parent AND status >= 2;

-- Deletes a frame's descendants: their ids start with the frame's id and '/' ('0' is the next character).
-- PostgreSQL needs COLLATE "C" on frame_id for this range to be byte order.
-- name: WorkflowFrameDeleteDescendants
DELETE FROM workflow_frames WHERE execution = @execution AND frame_id >= @low AND frame_id < @high;

-- name: WorkflowFrameDelete
DELETE FROM workflow_frames WHERE execution = @execution AND frame_id = @frame_id;

-- name: WorkflowFrameDeleteAll
DELETE FROM workflow_frames WHERE execution = @execution;

-- name: WorkflowFrameSetCompletion
UPDATE workflow_frames SET completion = @completion WHERE execution = @execution AND frame_id = @frame_id AND status = 1 AND completion IS NULL;

-- name: WorkflowFrameClearCompletion
UPDATE workflow_frames SET completion = NULL WHERE execution = @execution AND frame_id = @frame_id;

-- name: WorkflowFrameListCompletions
SELECT frame_id, completion FROM workflow_frames WHERE execution = @execution AND status = 1 AND completion IS NOT NULL;

-- name: WorkflowFrameFindByToken
SELECT f.execution, f.frame_id, f.task FROM workflow_frames f
WHERE f.task_token = @task_token AND f.status = 1;

-- name: WorkflowFrameHeartbeat
UPDATE workflow_frames SET heartbeat_at = @now WHERE task_token = @task_token AND status = 1;

-- name: WorkflowFrameHeartbeatAt
SELECT heartbeat_at FROM workflow_frames WHERE execution = @execution AND frame_id = @frame_id;

-- History -------------------------------------------------------------------------------------------------

-- name: WorkflowHistoryInsert
INSERT INTO workflow_history (execution, first_event_id, last_event_id, events) VALUES (@execution, @first, @last, @events);

-- name: WorkflowHistoryAfter
SELECT first_event_id, last_event_id, events FROM workflow_history
WHERE execution = @execution AND last_event_id > @after ORDER BY first_event_id LIMIT @limit;

-- name: WorkflowHistoryBefore
SELECT first_event_id, last_event_id, events FROM workflow_history
WHERE execution = @execution AND first_event_id < @before ORDER BY first_event_id DESC LIMIT @limit;

-- name: WorkflowHistoryDeleteForExecution
DELETE FROM workflow_history WHERE execution = @execution;
