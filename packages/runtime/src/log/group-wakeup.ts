/**
 * What a consumer-group member's pending `poll` rejects with after {@link GroupMember.wakeup}, as
 * Kafka's consumer throws `WakeupException` after `wakeup()`: the task is stopping and its wait for
 * the group (a JoinGroup or SyncGroup the coordinator holds until every member has rejoined,
 * possibly for a dead member's whole session) ends at once. The member is still in the group until
 * it is closed (LeaveGroup); nothing was committed or given up by the interrupted wait.
 */
import { ConnectError } from '@sluice/api';

export class GroupWakeupError extends ConnectError {
  constructor(groupId: string) {
    super(`The wait for consumer group ${groupId} was interrupted (the member is being stopped)`);
  }
}
