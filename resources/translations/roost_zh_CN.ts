<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AccountCard</name>
    <message>
        <source>{name} on {server}</source>
        <translation>{name}（{server}）</translation>
    </message>
    <message>
        <source>two-step sign-in on</source>
        <translation>已开启两步验证</translation>
    </message>
    <message>
        <source>password only</source>
        <translation>仅用密码登录</translation>
    </message>
    <message>
        <source>remembered on this computer</source>
        <translation>已在这台电脑上记住</translation>
    </message>
    <message>
        <source>Invite someone</source>
        <translation>邀请家人</translation>
    </message>
    <message>
        <source>Change password…</source>
        <translation>修改密码…</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
</context>
<context>
    <name>Audit</name>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>changed the settings: {fields}</source>
        <translation>修改了设置：{fields}</translation>
    </message>
    <message>
        <source>set up the server</source>
        <translation>设置了服务器</translation>
    </message>
    <message>
        <source>joined with an invite</source>
        <translation>通过邀请加入</translation>
    </message>
    <message>
        <source>added {name}</source>
        <translation>添加了{name}</translation>
    </message>
    <message>
        <source>switched off {name}&apos;s account</source>
        <translation>停用了{name}的账号</translation>
    </message>
    <message>
        <source>switched on {name}&apos;s account</source>
        <translation>启用了{name}的账号</translation>
    </message>
    <message>
        <source>gave {name} a new one-time password</source>
        <translation>为{name}生成了新的一次性密码</translation>
    </message>
    <message>
        <source>turned off two-step sign-in for {name}</source>
        <translation>关闭了{name}的两步验证</translation>
    </message>
    <message>
        <source>handed the ownership to {name}</source>
        <translation>把所有权转让给了{name}</translation>
    </message>
    <message>
        <source>made {name} an administrator</source>
        <translation>将{name}设为管理员</translation>
    </message>
    <message>
        <source>made {name} a family member</source>
        <translation>将{name}设为家庭成员</translation>
    </message>
    <message>
        <source>deleted {name}&apos;s account</source>
        <translation>删除了{name}的账号</translation>
    </message>
    <message>
        <source>made an invite link</source>
        <translation>生成了邀请链接</translation>
    </message>
    <message>
        <source>cancelled an invite link</source>
        <translation>取消了邀请链接</translation>
    </message>
    <message>
        <source>changed their password</source>
        <translation>修改了自己的密码</translation>
    </message>
    <message>
        <source>turned on two-step sign-in</source>
        <translation>开启了两步验证</translation>
    </message>
    <message>
        <source>turned off two-step sign-in</source>
        <translation>关闭了两步验证</translation>
    </message>
    <message>
        <source>used a recovery code</source>
        <translation>使用了恢复码</translation>
    </message>
    <message>
        <source>{name}&apos;s account was locked after wrong passwords</source>
        <translation>{name}的账号因密码输错被锁定</translation>
    </message>
    <message>
        <source>a stolen sign-in of {name} was blocked</source>
        <translation>拦截了一次盗用{name}登录信息的尝试</translation>
    </message>
    <message>
        <source>tried to make a backup, which failed</source>
        <translation>尝试备份，但失败了</translation>
    </message>
    <message>
        <source>made a backup</source>
        <translation>完成了备份</translation>
    </message>
    <message>
        <source>checked a backup</source>
        <translation>检查了备份</translation>
    </message>
    <message>
        <source>prepared a restore from a backup</source>
        <translation>准备从备份恢复</translation>
    </message>
    <message>
        <source>changed the backup schedule</source>
        <translation>修改了自动备份计划</translation>
    </message>
    <message>
        <source>deleted a backup</source>
        <translation>删除了备份</translation>
    </message>
    <message>
        <source>uploaded a backup</source>
        <translation>上传了备份</translation>
    </message>
    <message>
        <source>removed or changed old messages (retention)</source>
        <translation>按保存期限删除或处理了旧消息</translation>
    </message>
    <message>
        <source>The server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>someone</source>
        <translation>某人</translation>
    </message>
</context>
<context>
    <name>Backups</name>
    <message>
        <source>The passphrase must be at least {n} characters long.</source>
        <translation>备份密码至少需要{n}个字符。</translation>
    </message>
    <message>
        <source>The passphrase is too long.</source>
        <translation>备份密码太长了。</translation>
    </message>
    <message>
        <source>The two passphrases are not the same. Type them again.</source>
        <translation>两次输入的备份密码不一致，请重新输入。</translation>
    </message>
    <message>
        <source>Type the passphrase this backup was made with (at least {n} characters).</source>
        <translation>请输入制作这个备份时使用的备份密码（至少{n}个字符）。</translation>
    </message>
    <message>
        <source>Write this passphrase down and keep it somewhere safe. Without it, nobody — not even you — can open the backup.</source>
        <translation>请把这个备份密码记下来，放在安全的地方。没有它，任何人（包括你自己）都打不开备份。</translation>
    </message>
    <message>
        <source>Everything on the server will go back to how it was when this backup was made: messages, photos and accounts added since then will be gone. The restore happens the next time the server starts; the current data is kept aside, not deleted.</source>
        <translation>服务器上的一切都会回到制作这个备份时的样子：之后新增的消息、照片和账号都会消失。恢复会在服务器下次启动时进行；当前的数据会另外保存起来，不会被删除。</translation>
    </message>
    <message>
        <source>{n} KB</source>
        <translation>{n} KB</translation>
    </message>
    <message>
        <source>{n} MB</source>
        <translation>{n} MB</translation>
    </message>
    <message>
        <source>{n} GB</source>
        <translation>{n} GB</translation>
    </message>
    <message>
        <source>Taking a snapshot…</source>
        <translation>正在创建快照…</translation>
    </message>
    <message>
        <source>Writing the backup…</source>
        <translation>正在写入备份…</translation>
    </message>
    <message>
        <source>Opening the backup…</source>
        <translation>正在打开备份…</translation>
    </message>
    <message>
        <source>Checking the files…</source>
        <translation>正在检查文件…</translation>
    </message>
    <message>
        <source>Finished.</source>
        <translation>已完成。</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>正在处理…</translation>
    </message>
    <message>
        <source>The backup is complete and can be restored. It was made on {when} and holds {users} accounts, {messages} messages and events, and {files} files.</source>
        <translation>这个备份完整，可以用来恢复。它制作于{when}，包含{users}个账号、{messages}条消息和事件，以及{files}个文件。</translation>
    </message>
    <message>
        <source>That passphrase does not open this backup. Check it (capital letters matter) and try again.</source>
        <translation>这个备份密码打不开这个备份。请检查后再试（区分大小写）。</translation>
    </message>
    <message>
        <source>This backup is damaged or incomplete and cannot be used. Use another backup, and make a new one soon.</source>
        <translation>这个备份已损坏或不完整，无法使用。请使用其他备份，并尽快重新备份一次。</translation>
    </message>
    <message>
        <source>The backup could not be written. Check that the backup folder (or USB drive) is connected and has free space, then try again.</source>
        <translation>无法写入备份。请确认备份文件夹（或 U 盘）已连接并且有剩余空间，然后再试一次。</translation>
    </message>
    <message>
        <source>The restore is ready. It will be applied the next time the server starts: restart the server (or the Raspberry Pi) when nobody is chatting.</source>
        <translation>恢复已准备好，会在服务器下次启动时进行：请在没人聊天的时候重启服务器（或树莓派）。</translation>
    </message>
    <message>
        <source>Backup finished: {file}.</source>
        <translation>备份完成：{file}。</translation>
    </message>
    <message>
        <source>No backups yet — make the first one now.</source>
        <translation>还没有备份，现在就做第一个备份吧。</translation>
    </message>
    <message>
        <source>Last backup: {when}, it worked.</source>
        <translation>上次备份：{when}，备份成功。</translation>
    </message>
    <message>
        <source> The last good one is from {when}.</source>
        <translation>最近一次成功的备份是在{when}。</translation>
    </message>
    <message>
        <source>The last backup, on {when}, failed.</source>
        <translation>上次备份（{when}）失败了。</translation>
    </message>
    <message>
        <source>Choose a passphrase for the daily backups (type it twice).</source>
        <translation>请为每日备份设置一个备份密码（输入两次）。</translation>
    </message>
</context>
<context>
    <name>Banner</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>Capacity</name>
    <message>
        <source>This server was slow even at the check&apos;s lowest rate ({rate} messages a second). Try again at a quieter time; if it stays slow, look at the Dashboard for a busy or hot server.</source>
        <translation>即使在检查的最低速率（每秒{rate}条消息）下，这台服务器也很慢。请在用的人少的时候再试；如果还是很慢，请到“服务器状态”页面看看服务器是不是太忙或温度太高。</translation>
    </message>
    <message>
        <source>This server comfortably serves at least {n} people chatting at once (the check stopped before the server reached its limit).</source>
        <translation>这台服务器至少可以轻松支持{n}人同时聊天（检查在服务器达到极限之前就结束了）。</translation>
    </message>
    <message>
        <source>This server comfortably serves about {n} people chatting at once.</source>
        <translation>这台服务器大约可以轻松支持{n}人同时聊天。</translation>
    </message>
    <message>
        <source>Step {i} of {n}: {rate} messages a second…</source>
        <translation>第{i}步，共{n}步：每秒{rate}条消息…</translation>
    </message>
    <message>
        <source>Step {i} of {n}: {rate} messages a second, 99 % delivered within {p99} ms</source>
        <translation>第{i}步，共{n}步：每秒{rate}条消息，99% 的消息在{p99}毫秒内送达</translation>
    </message>
</context>
<context>
    <name>CapacityDialog</name>
    <message>
        <source>Capacity check</source>
        <translation>容量检查</translation>
    </message>
    <message>
        <source>Check how many people this server can serve</source>
        <translation>检查这台服务器能支持多少人</translation>
    </message>
    <message>
        <source>This sends test messages between temporary test accounts for about a minute; your family will not see them. Best at a quiet time.</source>
        <translation>检查会用几个临时测试账号互发测试消息，持续约一分钟；家人不会看到这些消息。最好在用的人少的时候进行。</translation>
    </message>
    <message>
        <source>Start the check</source>
        <translation>开始检查</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Open the report</source>
        <translation>打开报告</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Reading the server&apos;s settings…</source>
        <translation>正在读取服务器设置…</translation>
    </message>
    <message>
        <source>Cancelling: removing the test accounts…</source>
        <translation>正在取消：正在删除测试账号…</translation>
    </message>
    <message>
        <source>Making test accounts: {done} of {total}</source>
        <translation>正在创建测试账号：{done}/{total}</translation>
    </message>
    <message>
        <source>Bringing test accounts online: {done} of {total}</source>
        <translation>正在让测试账号上线：{done}/{total}</translation>
    </message>
    <message>
        <source>Removing the test accounts…</source>
        <translation>正在删除测试账号…</translation>
    </message>
    <message>
        <source>Check again</source>
        <translation>重新检查</translation>
    </message>
    <message>
        <source>Check cancelled. The test accounts were removed.</source>
        <translation>检查已取消，测试账号已删除。</translation>
    </message>
    <message>
        <source>Done. The test accounts were removed.</source>
        <translation>检查完成，测试账号已删除。</translation>
    </message>
    <message>
        <source>The report is saved in {path}</source>
        <translation>报告已保存到{path}</translation>
    </message>
    <message>
        <source>{n} people are using the server now. The check is best at a quiet time, so that nobody notices; you can run it anyway.</source>
        <translation>现在有{n}人正在使用服务器。最好在用的人少的时候检查，以免影响大家；你也可以现在就检查。</translation>
    </message>
    <message>
        <source>Run it anyway</source>
        <translation>仍然检查</translation>
    </message>
    <message>
        <source>This server requires two-step sign-in for everyone, so the check&apos;s test accounts cannot chat. Switch that off on the Settings tab for the check, and on again afterwards.</source>
        <translation>这台服务器要求所有人都使用两步验证，所以检查用的测试账号无法聊天。请先在“设置”选项卡中关闭这个要求，检查完成后再重新打开。</translation>
    </message>
    <message>
        <source>The check stopped: {reason} The test accounts were removed.</source>
        <translation>检查已停止：{reason}测试账号已删除。</translation>
    </message>
    <message>
        <source>The check stopped: {reason} If accounts named bench-… are left on the People page, delete them there.</source>
        <translation>检查已停止：{reason}如果“成员”页面上还留有名为 bench-… 的账号，请在那里删除它们。</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <source>Change password</source>
        <translation>修改密码</translation>
    </message>
    <message>
        <source>An administrator of {server} reset your password. Type the one-time password they gave you, then choose your own; the one-time password will not work again.</source>
        <translation>{server}的管理员重置了你的密码。请输入管理员给你的一次性密码，然后设置你自己的密码；之后这个一次性密码就不能再用了。</translation>
    </message>
    <message>
        <source>Choose a new password for {username} on {server}. Your other devices will be signed out; this one stays signed in.</source>
        <translation>为{server}上的{username}设置新密码。你的其他设备会退出登录，这台设备会保持登录。</translation>
    </message>
    <message>
        <source>Current password or one-time password</source>
        <translation>当前密码或一次性密码</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>再次输入新密码</translation>
    </message>
    <message>
        <source>From now on, sign in with your new password. Devices that were signed in with the old one need it too.</source>
        <translation>从现在起，请用新密码登录。之前用旧密码登录的设备也需要输入新密码。</translation>
    </message>
    <message>
        <source>Change your password</source>
        <translation>修改你的密码</translation>
    </message>
    <message>
        <source>Type the password you sign in with now.</source>
        <translation>请输入你现在登录用的密码。</translation>
    </message>
    <message>
        <source>Your password is changed</source>
        <translation>密码已修改</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>ChatErrors</name>
    <message>
        <source>This message is too long. Shorten it or split it into several.</source>
        <translation>这条消息太长了。请删减一些，或者分成几条发送。</translation>
    </message>
    <message>
        <source>You can only change your own messages.</source>
        <translation>你只能修改自己发的消息。</translation>
    </message>
    <message>
        <source>Only the group&apos;s owner or an admin can do that.</source>
        <translation>只有群主或管理员才能这样做。</translation>
    </message>
    <message>
        <source>You are no longer in this conversation, so this could not be sent.</source>
        <translation>你已经不在这个聊天中了，所以无法发送。</translation>
    </message>
    <message>
        <source>That message no longer exists; it may have been deleted.</source>
        <translation>这条消息已经不存在了，可能已被删除。</translation>
    </message>
    <message>
        <source>An attached file could not be added. Attach it again and resend.</source>
        <translation>有一个附件没能添加上。请重新添加附件后再发送。</translation>
    </message>
    <message>
        <source>The server&apos;s owner has switched this feature off.</source>
        <translation>服务器的所有者已关闭了这个功能。</translation>
    </message>
    <message>
        <source>The server could not accept this. Try again; if it keeps failing, tell the person who runs the server.</source>
        <translation>服务器无法接收这个内容。请再试一次；如果一直失败，请告诉管理服务器的人。</translation>
    </message>
    <message>
        <source>You were signed out on this computer (perhaps from another device, or your password changed). Sign in again to keep chatting.</source>
        <translation>你在这台电脑上已退出登录（可能是在其他设备上退出的，或者密码已修改）。请重新登录后继续聊天。</translation>
    </message>
    <message>
        <source>Cannot reach the server right now. Your messages will be sent when the connection comes back.</source>
        <translation>暂时无法连接服务器。连接恢复后，你的消息会自动发送。</translation>
    </message>
    <message>
        <source>The chat could not connect because of a problem in this app. Restart it; if that does not help, update the app.</source>
        <translation>由于本应用出现问题，聊天无法连接。请重新打开应用；如果还是不行，请更新应用。</translation>
    </message>
</context>
<context>
    <name>ChatGroups</name>
    <message>
        <source>You are not connected to the server right now, so nothing was changed. Try again when the connection is back.</source>
        <translation>现在没有连接到服务器，所以没有做任何更改。请在连接恢复后再试。</translation>
    </message>
    <message>
        <source>Something went wrong and nothing was changed. Try again.</source>
        <translation>出了点问题，没有做任何更改。请再试一次。</translation>
    </message>
    <message>
        <source>Only the group&apos;s owner or an admin can do that.</source>
        <translation>只有群主或管理员才能这样做。</translation>
    </message>
    <message>
        <source>You own this group. Make someone else its owner first (in the group&apos;s settings); then you can leave.</source>
        <translation>你是这个群的群主。请先在群设置中把群主转让给别人，然后才能退出。</translation>
    </message>
    <message>
        <source>The group is full: this server allows no more people in one group.</source>
        <translation>群成员已满：这台服务器不允许一个群里再加更多人了。</translation>
    </message>
    <message>
        <source>Someone you picked no longer has an account on this server. Pick again from the list.</source>
        <translation>你选的人中有人在这台服务器上已经没有账号了。请从列表中重新选择。</translation>
    </message>
    <message>
        <source>They are in the group already.</source>
        <translation>对方已经在群里了。</translation>
    </message>
    <message>
        <source>They are no longer in the group.</source>
        <translation>对方已经不在群里了。</translation>
    </message>
    <message>
        <source>You cannot do that to yourself. To leave the group, use Leave group.</source>
        <translation>不能对自己进行这个操作。如果想退出群聊，请使用“退出群聊”。</translation>
    </message>
    <message>
        <source>You are no longer in this group.</source>
        <translation>你已经不在这个群里了。</translation>
    </message>
    <message>
        <source>A direct conversation always has exactly two people.</source>
        <translation>私聊只能有两个人。</translation>
    </message>
    <message>
        <source>That was a lot at once. Wait a moment, then try again.</source>
        <translation>操作太频繁了，请稍等一下再试。</translation>
    </message>
    <message>
        <source>The server did not accept this. Check the name and the topic.</source>
        <translation>服务器没有接受这个更改。请检查群名称和主题。</translation>
    </message>
    <message>
        <source>The server could not do this ({code}). Try again; if it keeps failing, tell the person who runs the server.</source>
        <translation>服务器无法完成这个操作（{code}）。请再试一次；如果一直失败，请告诉管理服务器的人。</translation>
    </message>
</context>
<context>
    <name>ChatHeader</name>
    <message>
        <source>You are no longer in this conversation</source>
        <translation>你已经不在这个聊天中了</translation>
    </message>
    <message>
        <source>{count} members</source>
        <translation>{count}位成员</translation>
    </message>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Connecting… Messages you write now are sent when it is back.</source>
        <translation>正在连接…现在写的消息会在连接恢复后发出。</translation>
    </message>
    <message>
        <source>{problem} {retry} {hint}</source>
        <translation>{problem}{retry}{hint}</translation>
    </message>
    <message>
        <source>Offline.</source>
        <translation>连接已断开。</translation>
    </message>
    <message>
        <source>Trying again in {seconds} s.</source>
        <translation>{seconds}秒后重试。</translation>
    </message>
    <message>
        <source>Trying again…</source>
        <translation>正在重试…</translation>
    </message>
    <message>
        <source>You can keep writing: messages are sent when it is back.</source>
        <translation>你可以继续写消息，连接恢复后会自动发出。</translation>
    </message>
</context>
<context>
    <name>ChatNotifier</name>
    <message>
        <source>Open Roost</source>
        <translation>打开 Roost</translation>
    </message>
    <message>
        <source>Roost: {count} unread</source>
        <translation>Roost：{count}条未读</translation>
    </message>
</context>
<context>
    <name>ChatPage</name>
    <message>
        <source>Pick a conversation on the left, or start one with New.</source>
        <translation>在左边选择一个聊天，或者点击“新建”开始聊天。</translation>
    </message>
</context>
<context>
    <name>ChatWords</name>
    <message>
        <source>Group</source>
        <translation>群聊</translation>
    </message>
    <message>
        <source>Direct message</source>
        <translation>私聊</translation>
    </message>
    <message>
        <source>{count} photos</source>
        <translation>{count}张照片</translation>
    </message>
    <message>
        <source>{count} files</source>
        <translation>{count}个文件</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <source>Voice message</source>
        <translation>语音消息</translation>
    </message>
    <message>
        <source>File: {name}</source>
        <translation>文件：{name}</translation>
    </message>
</context>
<context>
    <name>Claim</name>
    <message>
        <source>Type the setup code shown on the Pi&apos;s screen.</source>
        <translation>请输入树莓派屏幕上显示的设置代码。</translation>
    </message>
</context>
<context>
    <name>ClaimDialog</name>
    <message>
        <source>Set up your Roost server</source>
        <translation>设置你的 Roost 服务器</translation>
    </message>
    <message>
        <source>Roost found a server that is waiting to be set up:</source>
        <translation>Roost 找到了一台等待设置的服务器：</translation>
    </message>
    <message>
        <source>Its security fingerprint:</source>
        <translation>它的安全指纹：</translation>
    </message>
    <message>
        <source>Roost read this fingerprint from the Pi itself while installing, so you can trust it. From now on this app will only talk to this server.</source>
        <translation>这个指纹是 Roost 在安装时直接从树莓派上读取的，可以放心信任。从现在起，本应用只会和这台服务器通信。</translation>
    </message>
    <message>
        <source>This is the trial server on this computer. From now on this app will only talk to this server.</source>
        <translation>这是这台电脑上的试用服务器。从现在起，本应用只会和这台服务器通信。</translation>
    </message>
    <message>
        <source>Anyone on your network could pretend to be a server. To be sure, compare this fingerprint with the one the Pi shows on its screen or in its log (roost-server info).</source>
        <translation>同一网络中的任何设备都可能冒充服务器。为了稳妥起见，请把这个指纹与树莓派屏幕上或日志中（roost-server info）显示的指纹核对一下。</translation>
    </message>
    <message>
        <source>To be sure this is your Pi, compare this fingerprint with the one the Pi shows on its screen or in its log (roost-server info).</source>
        <translation>为了确认这是你的树莓派，请把这个指纹与树莓派屏幕上或日志中（roost-server info）显示的指纹核对一下。</translation>
    </message>
    <message>
        <source>Setup code</source>
        <translation>设置代码</translation>
    </message>
    <message>
        <source>shown on the Pi&apos;s screen, e.g. 5agev2eqzrp3</source>
        <translation>显示在树莓派屏幕上，例如 5agev2eqzrp3</translation>
    </message>
    <message>
        <source>Give your server a name your family will recognise, and create your own account. You will be its owner.</source>
        <translation>给服务器起一个家人一看就认得的名字，再创建你自己的账号。你将成为这台服务器的所有者。</translation>
    </message>
    <message>
        <source>Server name</source>
        <translation>服务器名称</translation>
    </message>
    <message>
        <source>e.g. Chen family</source>
        <translation>例如：陈家</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>你的名字</translation>
    </message>
    <message>
        <source>e.g. Mum</source>
        <translation>例如：妈妈</translation>
    </message>
    <message>
        <source>Username (for signing in)</source>
        <translation>用户名（用于登录）</translation>
    </message>
    <message>
        <source>e.g. mum</source>
        <translation>例如：mama</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>再次输入密码</translation>
    </message>
    <message>
        <source>Two-step sign-in asks for a code from your phone as well as your password, so a stolen password alone is not enough. You are the owner: we recommend it.</source>
        <translation>开启两步验证后，登录时除了密码，还需要输入手机上的验证码。这样即使密码被盗，别人也登录不了。你是服务器的所有者，建议开启。</translation>
    </message>
    <message>
        <source>Turn on two-step sign-in now</source>
        <translation>现在开启两步验证</translation>
    </message>
    <message>
        <source>Is this your server?</source>
        <translation>这是你的服务器吗？</translation>
    </message>
    <message>
        <source>Yes, set it up</source>
        <translation>是的，开始设置</translation>
    </message>
    <message>
        <source>Name your server and create your account</source>
        <translation>给服务器起名并创建账号</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>创建</translation>
    </message>
    <message>
        <source>Protect your account</source>
        <translation>保护你的账号</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Check the code</source>
        <translation>验证</translation>
    </message>
    <message>
        <source>{server} is ready, and you are signed in as {name}. Next, invite your family: each person gets a link that sets up their account.</source>
        <translation>{server}已经准备好了，你已用{name}的身份登录。接下来邀请家人吧：每人会收到一个链接，用来创建自己的账号。</translation>
    </message>
    <message>
        <source>All set</source>
        <translation>一切就绪</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Skip for now</source>
        <translation>暂时跳过</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Write a message…</source>
        <translation>输入消息…</translation>
    </message>
    <message>
        <source>Send files</source>
        <translation>发送文件</translation>
    </message>
    <message>
        <source>Insert an emoji</source>
        <translation>插入表情</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>You are no longer in this conversation, so you cannot write here.</source>
        <translation>你已经不在这个聊天中了，无法在这里发消息。</translation>
    </message>
    <message>
        <source>Replying to {name}: {text}</source>
        <translation>回复{name}：{text}</translation>
    </message>
    <message>
        <source>Editing your message (Esc to cancel)</source>
        <translation>正在编辑消息（按 Esc 取消）</translation>
    </message>
    <message>
        <source>Finish or cancel the edit before sending files.</source>
        <translation>请先完成或取消编辑，再发送文件。</translation>
    </message>
    <message>
        <source>The pasted image could not be saved.</source>
        <translation>无法保存粘贴的图片。</translation>
    </message>
    <message>
        <source>This message is too long. Shorten it or split it.</source>
        <translation>这条消息太长了。请删减一些，或者分成几条发送。</translation>
    </message>
    <message>
        <source>This message could not be sent. Try again.</source>
        <translation>这条消息没能发出去，请再试一次。</translation>
    </message>
</context>
<context>
    <name>ConversationHeader</name>
    <message>
        <source>Search messages (Ctrl+F)</source>
        <translation>搜索消息（Ctrl+F）</translation>
    </message>
    <message>
        <source>Group settings</source>
        <translation>群设置</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>Filter conversations</source>
        <translation>查找聊天</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <source>New message…</source>
        <translation>发消息…</translation>
    </message>
    <message>
        <source>New group…</source>
        <translation>新建群聊…</translation>
    </message>
    <message>
        <source>Nothing matches “{filter}”.</source>
        <translation>没有找到与“{filter}”相符的聊天。</translation>
    </message>
    <message>
        <source>No conversations yet. Start one with New.</source>
        <translation>还没有聊天。点击“新建”开始聊天吧。</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>取消免打扰</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>消息免打扰</translation>
    </message>
    <message>
        <source>Mark as read</source>
        <translation>标为已读</translation>
    </message>
    <message>
        <source>Group settings…</source>
        <translation>群设置…</translation>
    </message>
    <message>
        <source>Leave group…</source>
        <translation>退出群聊…</translation>
    </message>
    <message>
        <source>You own “{name}”. Open its settings and make someone else the owner first; then you can leave.</source>
        <translation>你是“{name}”的群主。请先打开群设置，把群主转让给别人，然后才能退出。</translation>
    </message>
    <message>
        <source>Leave group</source>
        <translation>退出群聊</translation>
    </message>
    <message>
        <source>Leave “{name}”? You will stop receiving its messages. You can still read what was said until now, and a group admin can add you again.</source>
        <translation>要退出“{name}”吗？退出后你将不再收到这个群的消息。之前的聊天内容仍然可以查看，群管理员也可以再把你加回来。</translation>
    </message>
</context>
<context>
    <name>ConversationModel</name>
    <message>
        <source>{title}, {count} unread: {preview}</source>
        <translation>{title}，{count}条未读：{preview}</translation>
    </message>
    <message>
        <source>{title}: {preview}</source>
        <translation>{title}：{preview}</translation>
    </message>
</context>
<context>
    <name>ConversationRows</name>
    <message>
        <source>You are no longer in this group.</source>
        <translation>你已经不在这个群里了。</translation>
    </message>
    <message>
        <source>No messages yet</source>
        <translation>还没有消息</translation>
    </message>
    <message>
        <source>Message deleted</source>
        <translation>消息已删除</translation>
    </message>
    <message>
        <source>{name}: {text}</source>
        <translation>{name}：{text}</translation>
    </message>
    <message>
        <source>You: {text}</source>
        <translation>我：{text}</translation>
    </message>
    <message>
        <source>Sending a file…</source>
        <translation>正在发送文件…</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>群主</translation>
    </message>
    <message>
        <source>Admin</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>Give the group a name.</source>
        <translation>请给群聊起个名字。</translation>
    </message>
    <message>
        <source>A group&apos;s name can be at most {count} characters long.</source>
        <translation>群名称最多只能有{count}个字符。</translation>
    </message>
    <message>
        <source>A group&apos;s name must be on one line, without special characters.</source>
        <translation>群名称只能写在一行内，不能包含特殊字符。</translation>
    </message>
    <message>
        <source>A topic can be at most {count} characters long.</source>
        <translation>主题最多只能有{count}个字符。</translation>
    </message>
</context>
<context>
    <name>CreateUserDialog</name>
    <message>
        <source>Add a person</source>
        <translation>添加成员</translation>
    </message>
    <message>
        <source>Roost makes a one-time password for them. You give it to them in person; they choose their own password the first time they sign in.</source>
        <translation>Roost 会为对方生成一个一次性密码。请你当面告诉对方；对方第一次登录时再设置自己的密码。</translation>
    </message>
    <message>
        <source>Their name</source>
        <translation>对方的名字</translation>
    </message>
    <message>
        <source>e.g. Grandma</source>
        <translation>例如：奶奶</translation>
    </message>
    <message>
        <source>Username (what they type to sign in)</source>
        <translation>用户名（对方登录时输入）</translation>
    </message>
    <message>
        <source>e.g. grandma</source>
        <translation>例如：nainai</translation>
    </message>
    <message>
        <source>They join as</source>
        <translation>加入身份</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Give this one-time password to {name}, together with the username “{username}”. They type it exactly as shown (dashes included) the first time they sign in, and then choose their own password. It is shown only now.</source>
        <translation>请把这个一次性密码和用户名“{username}”一起告诉{name}。对方第一次登录时要完全照样输入（包括短横线），然后设置自己的密码。这个密码只显示这一次。</translation>
    </message>
    <message>
        <source>{name} can now sign in</source>
        <translation>{name}现在可以登录了</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>Credentials</name>
    <message>
        <source>This computer has no password keyring that Roost can use, so Roost can&apos;t remember you: you&apos;ll sign in each time you open it.</source>
        <translation>这台电脑上没有 Roost 能用的密码保管工具，所以 Roost 无法记住你的登录，每次打开都需要重新登录。</translation>
    </message>
    <message>
        <source>The password keyring on this computer refused to store your sign-in, so Roost can&apos;t remember you this time: you&apos;ll sign in again next time you open it.</source>
        <translation>这台电脑的密码保管工具拒绝保存你的登录信息，所以这次 Roost 无法记住你，下次打开时需要重新登录。</translation>
    </message>
</context>
<context>
    <name>Dashboard</name>
    <message>
        <source>{days} d {hours} h</source>
        <translation>{days}天{hours}小时</translation>
    </message>
    <message>
        <source>{hours} h {minutes} min</source>
        <translation>{hours}小时{minutes}分钟</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes}分钟</translation>
    </message>
    <message>
        <source>The Pi is not getting enough power. Use the official power supply or a stronger one.</source>
        <translation>树莓派供电不足。请使用官方电源或功率更大的电源。</translation>
    </message>
    <message>
        <source>The Pi is slowing itself down to protect itself, usually because it is too hot.</source>
        <translation>树莓派正在自动降速来保护自己，通常是因为温度太高。</translation>
    </message>
    <message>
        <source>The server is running out of space: only {free} left. Delete old files or videos, or use a bigger memory card or disk.</source>
        <translation>服务器的空间快用完了：只剩{free}。请删除旧的文件或视频，或者换用更大的存储卡或硬盘。</translation>
    </message>
    <message>
        <source>The server is hot ({degrees} °C). Move it somewhere cooler and make sure nothing covers it.</source>
        <translation>服务器温度很高（{degrees} °C）。请把它放到更凉快的地方，并确保上面没有东西盖着。</translation>
    </message>
    <message>
        <source>No backup has been made yet. Make one now so the family&apos;s messages and photos are safe.</source>
        <translation>还没有做过备份。现在就备份一次吧，让家人的消息和照片更安全。</translation>
    </message>
    <message>
        <source>The last backup was {hours} hours ago. Check that the backup drive is plugged in, then make a backup now.</source>
        <translation>上次备份已经是{hours}小时前了。请确认备份硬盘已插好，然后马上备份一次。</translation>
    </message>
    <message>
        <source>The last backup was {days} days ago. Check that the backup drive is plugged in, then make a backup now.</source>
        <translation>上次备份已经是{days}天前了。请确认备份硬盘已插好，然后马上备份一次。</translation>
    </message>
    <message>
        <source>Someone tried and failed to sign in {count} times in the last few minutes. If that wasn&apos;t your family, consider changing passwords.</source>
        <translation>最近几分钟内有人尝试登录，失败了{count}次。如果不是家人操作的，建议修改密码。</translation>
    </message>
    <message>
        <source>Not available</source>
        <translation>暂无数据</translation>
    </message>
    <message>
        <source>Processor</source>
        <translation>处理器</translation>
    </message>
    <message>
        <source>Load {load}</source>
        <translation>负载{load}</translation>
    </message>
    <message>
        <source>{used} of {total}</source>
        <translation>已用{used}，共{total}</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>{free} free</source>
        <translation>剩余{free}</translation>
    </message>
    <message>
        <source>of {total}</source>
        <translation>共{total}</translation>
    </message>
    <message>
        <source>Storage</source>
        <translation>存储空间</translation>
    </message>
    <message>
        <source>It had to slow down at some point since it was switched on.</source>
        <translation>开机以来曾经不得不降速运行过。</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Running for</source>
        <translation>已运行</translation>
    </message>
    <message>
        <source>Pi on for {time}</source>
        <translation>树莓派已开机{time}</translation>
    </message>
    <message>
        <source>People online</source>
        <translation>在线人数</translation>
    </message>
    <message>
        <source>{count} connections</source>
        <translation>{count}个连接</translation>
    </message>
    <message>
        <source>Messages per minute</source>
        <translation>每分钟消息数</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <source>Last backup</source>
        <translation>上次备份</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>Roost version</source>
        <translation>Roost 版本</translation>
    </message>
    <message>
        <source>Only the server&apos;s owner and admins can see the dashboard. Ask the owner if you need to check on the server.</source>
        <translation>只有服务器的所有者和管理员才能查看服务器状态。如果需要了解服务器的情况，请联系所有者。</translation>
    </message>
    <message>
        <source>Can&apos;t reach the server; showing the last figures from {time}.</source>
        <translation>无法连接服务器，目前显示的是{time}的数据。</translation>
    </message>
    <message>
        <source>{reason} Showing the last figures from {time}.</source>
        <translation>{reason}目前显示的是{time}的数据。</translation>
    </message>
</context>
<context>
    <name>DashboardPage</name>
    <message>
        <source>Dashboard</source>
        <translation>服务器状态</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>最近 1 小时</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>最近 24 小时</translation>
    </message>
    <message>
        <source>Collecting the first figures…</source>
        <translation>正在收集第一批数据…</translation>
    </message>
    <message>
        <source>Processor (%)</source>
        <translation>处理器（%）</translation>
    </message>
    <message>
        <source>Memory used (%)</source>
        <translation>内存占用（%）</translation>
    </message>
    <message>
        <source>Temperature (°C)</source>
        <translation>温度（°C）</translation>
    </message>
    <message>
        <source>Messages per minute</source>
        <translation>每分钟消息数</translation>
    </message>
    <message>
        <source>People online</source>
        <translation>在线人数</translation>
    </message>
    <message>
        <source>Free storage (GB)</source>
        <translation>剩余空间（GB）</translation>
    </message>
    <message>
        <source>Urgent:</source>
        <translation>紧急：</translation>
    </message>
</context>
<context>
    <name>DeleteUserDialog</name>
    <message>
        <source>Delete an account</source>
        <translation>删除账号</translation>
    </message>
    <message>
        <source>Delete {name}’s account?</source>
        <translation>要删除{name}的账号吗？</translation>
    </message>
    <message>
        <source>{name} will be signed out everywhere and can&apos;t sign in again. What they wrote stays in the conversations, shown as “Deleted user”. This can&apos;t be undone; to stop them for a while, switch the account off instead.</source>
        <translation>{name}会在所有设备上退出登录，并且再也不能登录。对方发过的内容会保留在聊天中，发送者显示为“已删除的用户”。此操作无法撤销；如果只是想暂时不让对方登录，请改为停用账号。</translation>
    </message>
    <message>
        <source>To confirm, type their username: {username}</source>
        <translation>请输入对方的用户名以确认：{username}</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Delete account</source>
        <translation>删除账号</translation>
    </message>
</context>
<context>
    <name>Directory</name>
    <message>
        <source>Roost</source>
        <translation>Roost</translation>
    </message>
    <message>
        <source>Deleted user</source>
        <translation>已删除的用户</translation>
    </message>
</context>
<context>
    <name>Discovery</name>
    <message>
        <source>Roost server at {host}</source>
        <translation>{host}上的 Roost 服务器</translation>
    </message>
    <message>
        <source>The number after the colon is the port, and it must be between 1 and 65535 (Roost normally uses 8443). For example: 192.168.1.20:8443</source>
        <translation>冒号后面的数字是端口号，必须在 1 到 65535 之间（Roost 通常使用 8443）。例如：192.168.1.20:8443</translation>
    </message>
    <message>
        <source>&quot;{text}&quot; does not look like an address. Type the name of your Pi (like raspberrypi.local) or its IP address (like 192.168.1.20).</source>
        <translation>“{text}”看起来不像一个地址。请输入树莓派的名称（如 raspberrypi.local）或它的 IP 地址（如 192.168.1.20）。</translation>
    </message>
    <message>
        <source>Please type an address, for example raspberrypi.local or 192.168.1.20.</source>
        <translation>请输入地址，例如 raspberrypi.local 或 192.168.1.20。</translation>
    </message>
    <message>
        <source>&quot;{text}&quot; is not a complete IP address. It should be four numbers from 0 to 255 with dots between them, like 192.168.1.20.</source>
        <translation>“{text}”不是完整的 IP 地址。IP 地址由四个 0 到 255 之间的数字组成，中间用点隔开，例如 192.168.1.20。</translation>
    </message>
    <message>
        <source>Looking for Roost servers on your network…</source>
        <translation>正在网络中查找 Roost 服务器…</translation>
    </message>
    <message>
        <source>Nothing found yet. If your Pi was just switched on, give it two minutes; you can also type its address.</source>
        <translation>暂时还没有找到。如果树莓派刚开机，请等两分钟；你也可以直接输入它的地址。</translation>
    </message>
    <message>
        <source>Roost cannot search your network from this computer right now (a firewall or another program may be blocking it). You can still type your Pi&apos;s address below, for example raspberrypi.local or 192.168.1.20.</source>
        <translation>Roost 现在无法从这台电脑搜索网络（可能被防火墙或其他程序阻止了）。你仍然可以在下方输入树莓派的地址，例如 raspberrypi.local 或 192.168.1.20。</translation>
    </message>
    <message>
        <source>Found 1 Roost server.</source>
        <translation>找到 1 台 Roost 服务器。</translation>
    </message>
    <message>
        <source>Found {count} Roost servers.</source>
        <translation>找到{count}台 Roost 服务器。</translation>
    </message>
    <message>
        <source>Also found 1 computer you could install Roost on.</source>
        <translation>另外还找到 1 台可以安装 Roost 的电脑。</translation>
    </message>
    <message>
        <source>Also found {count} computers you could install Roost on.</source>
        <translation>另外还找到{count}台可以安装 Roost 的电脑。</translation>
    </message>
    <message>
        <source>Found 1 computer you could install Roost on.</source>
        <translation>找到 1 台可以安装 Roost 的电脑。</translation>
    </message>
    <message>
        <source>Found {count} computers you could install Roost on.</source>
        <translation>找到{count}台可以安装 Roost 的电脑。</translation>
    </message>
</context>
<context>
    <name>DownloadPanel</name>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Save as</source>
        <translation>另存为</translation>
    </message>
    <message>
        <source>Saving {name}…</source>
        <translation>正在保存{name}…</translation>
    </message>
    <message>
        <source>{done} of {size}</source>
        <translation>{done} / {size}</translation>
    </message>
    <message>
        <source>Saved to {path}</source>
        <translation>已保存到{path}</translation>
    </message>
    <message>
        <source>Not saved: {reason} Try again to continue where it stopped.</source>
        <translation>未保存：{reason}重试会从中断的地方继续。</translation>
    </message>
</context>
<context>
    <name>Explain</name>
    <message>
        <source>about a minute</source>
        <translation>约一分钟</translation>
    </message>
    <message>
        <source>{minutes} minutes</source>
        <translation>{minutes}分钟</translation>
    </message>
    <message>
        <source>The username must be 3 to 32 characters: lower-case letters a-z, digits, dots, dashes or underscores, starting with a letter or digit.</source>
        <translation>用户名须为 3 到 32 个字符，只能使用小写字母 a-z、数字、点、短横线或下划线，并且要以字母或数字开头。</translation>
    </message>
    <message>
        <source>Names must be 1 to 64 characters, without special control characters.</source>
        <translation>名字须为 1 到 64 个字符，不能包含特殊控制字符。</translation>
    </message>
    <message>
        <source>The password is missing or too long (at most 256 characters).</source>
        <translation>密码没有填写或者太长了（最多 256 个字符）。</translation>
    </message>
    <message>
        <source>Type the setup code shown on the server&apos;s screen, for example 5AGE-V2EQ-ZRP3.</source>
        <translation>请输入服务器屏幕上显示的设置代码，例如 5AGE-V2EQ-ZRP3。</translation>
    </message>
    <message>
        <source>Type the 6-digit code from your authenticator app, or one of your recovery codes.</source>
        <translation>请输入身份验证器应用中的 6 位验证码，或者输入一个恢复码。</translation>
    </message>
    <message>
        <source>Some of the details you entered were not accepted. Check them and try again.</source>
        <translation>你填写的部分信息不符合要求，请检查后再试一次。</translation>
    </message>
    <message>
        <source>The username or password is not right. Check them (capital letters matter in the password) and try again.</source>
        <translation>用户名或密码不正确。请检查后再试一次（密码区分大小写）。</translation>
    </message>
    <message>
        <source>This account is locked for a while after too many wrong passwords. Try again in {wait}.</source>
        <translation>密码输错次数太多，这个账号已被暂时锁定。请在{wait}后再试。</translation>
    </message>
    <message>
        <source>There were too many attempts from this computer. Please wait {wait}, then try again.</source>
        <translation>这台电脑尝试的次数太多了。请等待{wait}后再试。</translation>
    </message>
    <message>
        <source>That code is not right, or it has expired. Type the newest code from your authenticator app (check that your phone&apos;s clock is correct). If this keeps happening, start again with your password.</source>
        <translation>验证码不正确或已过期。请输入身份验证器应用中最新的验证码（并确认手机上的时间准确）。如果一直出现这个问题，请从输入密码开始重新登录。</translation>
    </message>
    <message>
        <source>This account has been switched off by the server&apos;s administrator. Ask them to switch it back on.</source>
        <translation>这个账号已被服务器管理员停用。请联系管理员重新启用。</translation>
    </message>
    <message>
        <source>You need to choose a new password before you can continue.</source>
        <translation>你需要先设置一个新密码才能继续。</translation>
    </message>
    <message>
        <source>Two-step sign-in is needed first: set it up for your own account (signing in again shows you how), then try again.</source>
        <translation>需要先开启两步验证：请为你自己的账号设置两步验证（重新登录时会告诉你怎么做），然后再试一次。</translation>
    </message>
    <message>
        <source>You have been signed out (perhaps from another device, or after a long time away). Please sign in again.</source>
        <translation>你已退出登录（可能是在其他设备上退出的，或者太久没有使用）。请重新登录。</translation>
    </message>
    <message>
        <source>For your safety you have been signed out: your sign-in seemed to be used in two places at once. Please sign in again, and consider changing your password.</source>
        <translation>为了你的安全，已为你退出登录：你的登录信息似乎同时在两个地方使用。请重新登录，并建议修改密码。</translation>
    </message>
    <message>
        <source>This invite can&apos;t be used any more: it was already used, was cancelled, or has expired. Ask the person who invited you for a new one.</source>
        <translation>这个邀请已经不能用了：它可能已被使用、已被取消或已过期。请让邀请你的人重新发一个。</translation>
    </message>
    <message>
        <source>Someone on this server already has that username. Choose another one.</source>
        <translation>这台服务器上已经有人用了这个用户名，请换一个。</translation>
    </message>
    <message>
        <source>Please choose a stronger password: at least 8 characters, not the same as your username, and not just one or two different characters repeated.</source>
        <translation>请设置一个更安全的密码：至少 8 个字符，不能和用户名相同，也不能只是一两个字符的重复。</translation>
    </message>
    <message>
        <source>That is not your current password. Please type it again.</source>
        <translation>这不是你当前的密码，请重新输入。</translation>
    </message>
    <message>
        <source>This server has already been set up by someone. If it is yours, sign in with the owner&apos;s account instead.</source>
        <translation>这台服务器已经有人设置过了。如果它是你的，请改用所有者的账号登录。</translation>
    </message>
    <message>
        <source>The setup code is not right. It is shown on the server&apos;s screen when it starts (for example 5AGE-V2EQ-ZRP3). Check it and try again.</source>
        <translation>设置代码不正确。服务器启动时会在屏幕上显示设置代码（例如 5AGE-V2EQ-ZRP3）。请核对后再试一次。</translation>
    </message>
    <message>
        <source>Two-step sign-in is already switched on for this account.</source>
        <translation>这个账号已经开启了两步验证。</translation>
    </message>
    <message>
        <source>The two-step sign-in setup was not started. Please start it again.</source>
        <translation>两步验证的设置还没有开始，请重新开始设置。</translation>
    </message>
    <message>
        <source>Your account is not allowed to do this. Ask the server&apos;s owner.</source>
        <translation>你的账号没有权限进行这个操作。请联系服务器的所有者。</translation>
    </message>
    <message>
        <source>The server did not recognise this request. It may need updating; ask its owner.</source>
        <translation>服务器无法识别这个请求，可能需要更新了。请联系服务器的所有者。</translation>
    </message>
    <message>
        <source>Something went wrong on the server. Please try again in a moment; if it keeps happening, restart the server (the Pi) and try again.</source>
        <translation>服务器出了点问题。请稍后再试；如果一直这样，请重启服务器（树莓派）后再试。</translation>
    </message>
    <message>
        <source>Warning: this is not the server you connected to before. Its security certificate has changed, so Roost has stopped and sent nothing to it. This happens when the server was reinstalled or replaced, but it can also mean another device is pretending to be your server. Don&apos;t continue unless you know the server was reinstalled; if unsure, ask whoever looks after it.
Expected: {expected}
Found: {actual}</source>
        <translation>警告：这不是你之前连接过的服务器。它的安全证书变了，所以 Roost 已停止连接，没有向它发送任何信息。服务器重装或更换后会出现这种情况，但也可能是有其他设备在冒充你的服务器。除非你确定服务器重装过，否则请不要继续；如果不确定，请问问负责维护它的人。
应为：{expected}
实际：{actual}</translation>
    </message>
    <message>
        <source>Roost can&apos;t reach the server at {address}. Check that the Pi is switched on and that this computer is on the same network (the same Wi-Fi) as the Pi, then try again.</source>
        <translation>Roost 无法连接到{address}上的服务器。请确认树莓派已开机，并且这台电脑和树莓派在同一个网络（同一个 Wi-Fi）中，然后再试一次。</translation>
    </message>
    <message>
        <source>The server is newer than this app. Please update the Roost app, then try again.</source>
        <translation>服务器的版本比这个应用新。请先更新 Roost 应用，然后再试一次。</translation>
    </message>
    <message>
        <source>The server runs an older version of Roost than this app. Ask its owner to update the server, then try again.</source>
        <translation>服务器上的 Roost 版本比这个应用旧。请让服务器的所有者更新服务器，然后再试一次。</translation>
    </message>
    <message>
        <source>Roost doesn&apos;t remember this sign-in any more. Please sign in again.</source>
        <translation>Roost 已经不记得这次登录了，请重新登录。</translation>
    </message>
    <message>
        <source>Roost doesn&apos;t know this server yet. Add it first, then sign in.</source>
        <translation>Roost 还不认识这台服务器。请先添加它，然后再登录。</translation>
    </message>
    <message>
        <source>That address doesn&apos;t look right. Type it like 192.168.1.20 or raspberrypi.local, optionally followed by a colon and the port (for example :8443).</source>
        <translation>这个地址好像不对。请按 192.168.1.20 或 raspberrypi.local 这样的格式输入，后面可以加上冒号和端口号（例如 :8443）。</translation>
    </message>
    <message>
        <source>That fingerprint doesn&apos;t look right: it is 64 letters and digits (0-9, A-F), often written in pairs separated by colons. Copy it again from the server&apos;s screen.</source>
        <translation>这个指纹好像不对：指纹由 64 个字母和数字（0-9、A-F）组成，通常两个一组，用冒号隔开。请从服务器屏幕上重新复制。</translation>
    </message>
    <message>
        <source>This account was signed out on this computer. Sign in again to go on.</source>
        <translation>这个账号已在这台电脑上退出登录。请重新登录后继续。</translation>
    </message>
    <message>
        <source>The server gave an answer Roost doesn&apos;t understand. Make sure the address is your Roost server, and that the server and this app are up to date.</source>
        <translation>服务器返回了 Roost 无法理解的回复。请确认这个地址是你的 Roost 服务器，并且服务器和本应用都已更新到最新版本。</translation>
    </message>
</context>
<context>
    <name>Fields</name>
    <message>
        <source>Remember me on this computer</source>
        <translation>在这台电脑上记住我</translation>
    </message>
</context>
<context>
    <name>Forms</name>
    <message>
        <source>Use 3 to 32 characters: small letters a–z, digits, dot, dash or underscore, starting with a letter or digit (for example: mum or li.wei).</source>
        <translation>请使用 3 到 32 个字符：小写字母 a–z、数字、点、短横线或下划线，并以字母或数字开头（例如：mum 或 li.wei）。</translation>
    </message>
    <message>
        <source>Please type a name.</source>
        <translation>请输入名字。</translation>
    </message>
    <message>
        <source>Please keep it to 64 characters.</source>
        <translation>请不要超过 64 个字符。</translation>
    </message>
    <message>
        <source>This name contains characters that cannot be shown.</source>
        <translation>这个名字里有无法显示的字符。</translation>
    </message>
    <message>
        <source>Use at least {n} characters. A few unrelated words are easy to remember.</source>
        <translation>请至少使用{n}个字符。几个互不相关的词组合起来，既安全又好记。</translation>
    </message>
    <message>
        <source>Please keep the password to 256 characters.</source>
        <translation>密码请不要超过 256 个字符。</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <source>Your username as the password is too easy to guess. Choose something else.</source>
        <translation>不能用用户名当密码，太容易被猜到了。请换一个。</translation>
    </message>
    <message>
        <source>This is too easy to guess. Use more than one or two different characters.</source>
        <translation>这个密码太容易被猜到了。请不要只用一两个字符重复组成。</translation>
    </message>
    <message>
        <source>This is the password you have now. Choose a new one.</source>
        <translation>这是你现在的密码，请设置一个新密码。</translation>
    </message>
</context>
<context>
    <name>GroupSettingsDialog</name>
    <message>
        <source>Group settings</source>
        <translation>群设置</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>群名称</translation>
    </message>
    <message>
        <source>Topic</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Only the group&apos;s owner and admins can change these.</source>
        <translation>只有群主和管理员才能修改这些内容。</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Add people…</source>
        <translation>添加成员…</translation>
    </message>
    <message>
        <source>Make admin</source>
        <translation>设为管理员</translation>
    </message>
    <message>
        <source>Make owner…</source>
        <translation>设为群主…</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>移出群聊…</translation>
    </message>
    <message>
        <source>Add to the group</source>
        <translation>添加到群聊</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>You are no longer in this group.</source>
        <translation>你已经不在这个群里了。</translation>
    </message>
    <message>
        <source>Leave group…</source>
        <translation>退出群聊…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>This group is not known on this computer.</source>
        <translation>这台电脑上没有这个群聊的信息。</translation>
    </message>
    <message>
        <source>{name} (you)</source>
        <translation>{name}（我）</translation>
    </message>
    <message>
        <source>Members ({count})</source>
        <translation>成员（{count}）</translation>
    </message>
    <message>
        <source>Make member</source>
        <translation>设为普通成员</translation>
    </message>
    <message>
        <source>Make {name} the owner of this group? You become an admin, and only they can change roles from then on.</source>
        <translation>要让{name}成为群主吗？你会变成管理员，之后只有对方才能更改成员的身份。</translation>
    </message>
    <message>
        <source>Make owner</source>
        <translation>设为群主</translation>
    </message>
    <message>
        <source>Remove {name} from the group? They keep what was said until now, and can be added again.</source>
        <translation>要把{name}移出群聊吗？对方仍能看到之前的聊天内容，以后也可以再被加回来。</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移出</translation>
    </message>
    <message>
        <source>You own this group. Pick someone in the list and press “Make owner…” first; then you can leave.</source>
        <translation>你是这个群的群主。请先在列表中选一个人，点击“设为群主…”，然后才能退出。</translation>
    </message>
    <message>
        <source>Leave “{name}”? You will stop receiving its messages. You can still read what was said until now, and a group admin can add you again.</source>
        <translation>要退出“{name}”吗？退出后你将不再收到这个群的消息。之前的聊天内容仍然可以查看，群管理员也可以再把你加回来。</translation>
    </message>
    <message>
        <source>Leave group</source>
        <translation>退出群聊</translation>
    </message>
</context>
<context>
    <name>HandOverDialog</name>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>HandOverPanel</name>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>Home</name>
    <message>
        <source>ready</source>
        <translation>已就绪</translation>
    </message>
    <message>
        <source>waiting to be set up</source>
        <translation>等待设置</translation>
    </message>
    <message>
        <source>Roost on {host}</source>
        <translation>{host} 上的 Roost</translation>
    </message>
    <message>
        <source>{address} · Roost is not installed</source>
        <translation>{address} · 尚未安装 Roost</translation>
    </message>
    <message>
        <source>{address} · used before, not seen on this network now</source>
        <translation>{address} · 以前用过，目前不在这个网络上</translation>
    </message>
</context>
<context>
    <name>HomePage</name>
    <message>
        <source>Your Roost</source>
        <translation>我的 Roost</translation>
    </message>
    <message>
        <source>Look again</source>
        <translation>重新查找</translation>
    </message>
    <message>
        <source>Address, such as 192.168.1.20 or mypi.local</source>
        <translation>地址，例如 192.168.1.20 或 mypi.local</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>I have an invite link…</source>
        <translation>我有邀请链接…</translation>
    </message>
    <message>
        <source>Try Roost on this computer</source>
        <translation>在这台电脑上试用 Roost</translation>
    </message>
    <message>
        <source>Other ways in</source>
        <translation>其他加入方式</translation>
    </message>
    <message>
        <source>Set up</source>
        <translation>开始设置</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Install Roost</source>
        <translation>安装 Roost</translation>
    </message>
    <message>
        <source>Roost servers on this network</source>
        <translation>这个网络中的 Roost 服务器</translation>
    </message>
    <message>
        <source>Computers you can install Roost on</source>
        <translation>可以安装 Roost 的电脑</translation>
    </message>
    <message>
        <source>Used before</source>
        <translation>以前用过的</translation>
    </message>
    <message>
        <source>No Roost server or Raspberry Pi found yet</source>
        <translation>还没有找到 Roost 服务器或树莓派</translation>
    </message>
    <message>
        <source>Make sure your Pi is switched on and connected to the same network as this computer. A Pi that was just switched on needs about two minutes. You can also type its address below, open an invite link, or try Roost on this computer first.</source>
        <translation>请确认树莓派已开机，并且和这台电脑连在同一个网络中。树莓派刚开机时大约需要两分钟才能找到。你也可以在下方输入它的地址、打开邀请链接，或者先在这台电脑上试用 Roost。</translation>
    </message>
    <message>
        <source>Signed in</source>
        <translation>已登录</translation>
    </message>
</context>
<context>
    <name>HostKeys</name>
    <message>
        <source>This computer has not connected to {host} before. The device there identifies itself with the fingerprint {fingerprint}.</source>
        <translation>这台电脑以前没有连接过{host}。那台设备的身份指纹是{fingerprint}。</translation>
    </message>
    <message>
        <source>If this is your Pi, confirm it: the app remembers it and will warn you if it ever changes. (To be certain, compare the fingerprint with the one the Pi shows when you run “ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub” on it.)</source>
        <translation>如果这是你的树莓派，请确认。应用会记住它，以后如果它发生变化，会提醒你。（如果想完全确定，可以在树莓派上运行“ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub”，把显示的指纹和这里的核对一下。）</translation>
    </message>
    <message>
        <source>The device at {host} does not identify itself as the Pi this computer knows. This happens when the Pi&apos;s memory card was written anew, but it can also mean that another device is pretending to be your Pi. Nothing was sent to it.</source>
        <translation>{host}上的设备和这台电脑记住的树莓派身份不一致。树莓派的存储卡重新写入过系统后会出现这种情况，但也可能是有其他设备在冒充你的树莓派。没有向它发送任何信息。</translation>
    </message>
    <message>
        <source>If you have just written a new memory card for this Pi, choose to forget the old identity and connect again. Otherwise do not continue, and ask someone you trust to look at your network.</source>
        <translation>如果你刚给这台树莓派重新写入了存储卡，请选择忘记旧的身份，然后重新连接。否则请不要继续，并请你信任的人帮忙检查一下你的网络。</translation>
    </message>
</context>
<context>
    <name>ImageViewer</name>
    <message>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>100 %</source>
        <translation>100%</translation>
    </message>
    <message>
        <source>This picture cannot be shown. Save it to open it elsewhere.</source>
        <translation>无法显示这张图片。请保存后用其他程序打开。</translation>
    </message>
    <message>
        <source>The picture could not be loaded: {reason}</source>
        <translation>无法加载图片：{reason}</translation>
    </message>
</context>
<context>
    <name>InstallDialog</name>
    <message>
        <source>Install Roost</source>
        <translation>安装 Roost</translation>
    </message>
    <message>
        <source>Roost will be installed on {pi}. Type the user name and password you chose for the Pi in Raspberry Pi Imager. They are used only for the installation and are not stored.</source>
        <translation>Roost 将安装到{pi}上。请输入你在 Raspberry Pi Imager 中为树莓派设置的用户名和密码。它们只在安装时使用，不会被保存。</translation>
    </message>
    <message>
        <source>User name on the Pi</source>
        <translation>树莓派上的用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Sign in with a key file instead (advanced)</source>
        <translation>改用密钥文件登录（高级）</translation>
    </message>
    <message>
        <source>Key file</source>
        <translation>密钥文件</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Yes, this is my Pi</source>
        <translation>是的，这是我的树莓派</translation>
    </message>
    <message>
        <source>No, stop</source>
        <translation>不是，停止</translation>
    </message>
    <message>
        <source>Show details</source>
        <translation>显示详细信息</translation>
    </message>
    <message>
        <source>Sign in on the Pi</source>
        <translation>登录树莓派</translation>
    </message>
    <message>
        <source>Install</source>
        <translation>安装</translation>
    </message>
    <message>
        <source>Installing Roost on your Pi</source>
        <translation>正在把 Roost 安装到你的树莓派上</translation>
    </message>
    <message>
        <source>Is this your Pi?</source>
        <translation>这是你的树莓派吗？</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Roost {version} is installed and running on your Pi. Next, give your server a name and create your own account.</source>
        <translation>Roost {version}已安装好，正在你的树莓派上运行。接下来，给服务器起个名字，并创建你自己的账号。</translation>
    </message>
    <message>
        <source>Set it up</source>
        <translation>开始设置</translation>
    </message>
    <message>
        <source>Roost on your Pi was updated to version {version}. Everything on it was kept.</source>
        <translation>树莓派上的 Roost 已更新到{version}版本，原有的内容都完好保留。</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Roost is running</source>
        <translation>Roost 正在运行</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Choose your SSH key</source>
        <translation>选择你的 SSH 密钥</translation>
    </message>
</context>
<context>
    <name>InstallProblem</name>
    <message>
        <source>Try again. Running the installation again is safe. If it fails again, save the details log and ask someone who can help.</source>
        <translation>请再试一次，重新安装是安全的。如果还是失败，请保存详细日志，并找懂电脑的人帮忙看看。</translation>
    </message>
    <message>
        <source>The app could not reach {host}.</source>
        <translation>应用无法连接到{host}。</translation>
    </message>
    <message>
        <source>Check that the Pi is switched on and connected to the same network as this computer, and that the address is right. If you have just switched it on, wait two minutes and try again.</source>
        <translation>请确认树莓派已开机、和这台电脑在同一个网络中，并且地址正确。如果刚开机，请等两分钟后再试。</translation>
    </message>
    <message>
        <source>No device called {host} was found on your network.</source>
        <translation>在你的网络中没有找到名为{host}的设备。</translation>
    </message>
    <message>
        <source>Check the spelling of the name, or type the Pi&apos;s address instead (your router&apos;s page lists it). Make sure the Pi is switched on and connected.</source>
        <translation>请检查名称是否拼写正确，或者改为输入树莓派的地址（可以在路由器的管理页面中找到）。请确认树莓派已开机并已联网。</translation>
    </message>
    <message>
        <source>{host} answered, but it does not accept remote sign-in (SSH).</source>
        <translation>{host}有回应，但它不接受远程登录（SSH）。</translation>
    </message>
    <message>
        <source>Turn SSH on: in Raspberry Pi Imager, tick “Enable SSH” in the settings before writing the memory card, or on the Pi run “sudo raspi-config” and turn on SSH under Interface Options. Then try again.</source>
        <translation>请开启 SSH：在 Raspberry Pi Imager 中写入存储卡之前，在设置里勾选“Enable SSH”（启用 SSH）；或者在树莓派上运行“sudo raspi-config”，在 Interface Options 中开启 SSH。然后再试一次。</translation>
    </message>
    <message>
        <source>The Pi did not accept the user name “{user}” with this password.</source>
        <translation>树莓派不接受用户名“{user}”和这个密码。</translation>
    </message>
    <message>
        <source>Use the user name and password you chose in Raspberry Pi Imager (capital letters matter), then try again.</source>
        <translation>请使用你在 Raspberry Pi Imager 中设置的用户名和密码（区分大小写），然后再试一次。</translation>
    </message>
    <message>
        <source>The Pi did not accept your key for the user “{user}”.</source>
        <translation>树莓派不接受你为用户“{user}”提供的密钥。</translation>
    </message>
    <message>
        <source>Check that you chose the right key file and user name, or sign in with the password instead.</source>
        <translation>请确认选对了密钥文件和用户名，或者改用密码登录。</translation>
    </message>
    <message>
        <source>The key file could not be opened.</source>
        <translation>无法打开密钥文件。</translation>
    </message>
    <message>
        <source>Check that you chose a private key file and typed its passphrase correctly, or sign in with the password instead.</source>
        <translation>请确认你选择的是私钥文件，并且密钥口令输入正确，或者改用密码登录。</translation>
    </message>
    <message>
        <source>The user “{user}” is not allowed to install software on this Pi (it has no administrator rights).</source>
        <translation>用户“{user}”无权在这台树莓派上安装软件（没有管理员权限）。</translation>
    </message>
    <message>
        <source>Sign in with the user you created in Raspberry Pi Imager, or ask whoever set up the Pi to give this user administrator rights (“sudo”).</source>
        <translation>请使用你在 Raspberry Pi Imager 中创建的用户登录，或者请设置这台树莓派的人给这个用户管理员权限（“sudo”）。</translation>
    </message>
    <message>
        <source>The Pi asks for the password of “{user}” to install software.</source>
        <translation>安装软件时，树莓派需要“{user}”的密码。</translation>
    </message>
    <message>
        <source>Enter that password as well as the key, then try again.</source>
        <translation>除了密钥，请同时输入这个密码，然后再试一次。</translation>
    </message>
    <message>
        <source>The Pi did not accept the password of “{user}” for installing software.</source>
        <translation>安装软件时，树莓派不接受“{user}”的密码。</translation>
    </message>
    <message>
        <source>Check the password (capital letters matter), then try again.</source>
        <translation>请检查密码（区分大小写），然后再试一次。</translation>
    </message>
    <message>
        <source>The Pi cannot reach the internet. It needs it to download parts of Roost.</source>
        <translation>树莓派无法连接互联网，而下载 Roost 的部分组件需要联网。</translation>
    </message>
    <message>
        <source>Check the Pi&apos;s network cable or Wi-Fi and that your internet works, then try again. Restarting the router or the Pi often helps.</source>
        <translation>请检查树莓派的网线或 Wi-Fi，并确认家里的网络正常，然后再试一次。重启路由器或树莓派通常能解决问题。</translation>
    </message>
    <message>
        <source>The Pi runs {system}, which Roost cannot be installed on.</source>
        <translation>树莓派运行的是{system}，Roost 无法安装在这个系统上。</translation>
    </message>
    <message>
        <source>Write Raspberry Pi OS (64-bit) onto the memory card with Raspberry Pi Imager, then try again. Roost needs Raspberry Pi OS or Debian 12 or newer, or Ubuntu 22.04 or newer.</source>
        <translation>请用 Raspberry Pi Imager 把 Raspberry Pi OS（64 位）写入存储卡，然后再试一次。Roost 需要 Raspberry Pi OS、Debian 12 或更新版本，或者 Ubuntu 22.04 或更新版本。</translation>
    </message>
    <message>
        <source>This device&apos;s processor ({arch}) is too old for Roost.</source>
        <translation>这台设备的处理器（{arch}）太旧了，无法运行 Roost。</translation>
    </message>
    <message>
        <source>Use a Raspberry Pi 3, 4, 5 or Zero 2 W with Raspberry Pi OS (64-bit is best).</source>
        <translation>请使用装有 Raspberry Pi OS 的树莓派 3、4、5 或 Zero 2 W（最好是 64 位系统）。</translation>
    </message>
    <message>
        <source>The Pi has Python {found}, but Roost needs Python 3.11, 3.12 or 3.13.</source>
        <translation>树莓派上的 Python 版本是{found}，但 Roost 需要 Python 3.11、3.12 或 3.13。</translation>
    </message>
    <message>
        <source>Write the current Raspberry Pi OS onto the memory card with Raspberry Pi Imager, or install Python 3.11 on the Pi (“sudo apt install python3.11-venv”), then try again.</source>
        <translation>请用 Raspberry Pi Imager 把最新的 Raspberry Pi OS 写入存储卡，或者在树莓派上安装 Python 3.11（“sudo apt install python3.11-venv”），然后再试一次。</translation>
    </message>
    <message>
        <source>Python on the Pi lacks a part Roost needs (virtual environments), and the app cannot add it on this system.</source>
        <translation>树莓派上的 Python 缺少 Roost 需要的一个组件（虚拟环境），而本应用无法在这个系统上自动添加。</translation>
    </message>
    <message>
        <source>On the Pi, run “sudo apt install python3-venv”, then try again.</source>
        <translation>请在树莓派上运行“sudo apt install python3-venv”，然后再试一次。</translation>
    </message>
    <message>
        <source>The Pi&apos;s memory card is nearly full: {free} free, Roost needs {needed}.</source>
        <translation>树莓派的存储卡快满了：只剩{free}可用空间，而 Roost 需要{needed}。</translation>
    </message>
    <message>
        <source>Delete files you do not need from the Pi, or use a larger memory card, then try again.</source>
        <translation>请删除树莓派上不需要的文件，或者换一张更大的存储卡，然后再试一次。</translation>
    </message>
    <message>
        <source>The Pi has {total} of memory; Roost needs at least {needed}.</source>
        <translation>树莓派的内存只有{total}，Roost 至少需要{needed}。</translation>
    </message>
    <message>
        <source>Use a Pi with more memory: 1 GB or more works best.</source>
        <translation>请使用内存更大的树莓派：1 GB 或以上最好。</translation>
    </message>
    <message>
        <source>Copying Roost onto the Pi failed.</source>
        <translation>把 Roost 复制到树莓派时失败了。</translation>
    </message>
    <message>
        <source>Check that the Pi is still on and its memory card is not full, then try again.</source>
        <translation>请确认树莓派仍然开着，并且存储卡没有满，然后再试一次。</translation>
    </message>
    <message>
        <source>Another installation of Roost is still running on the Pi.</source>
        <translation>树莓派上还有另一次 Roost 安装正在进行。</translation>
    </message>
    <message>
        <source>Wait a few minutes for it to finish, then try again.</source>
        <translation>请等几分钟，等它完成后再试。</translation>
    </message>
    <message>
        <source>The Pi could not download or install the parts Roost needs.</source>
        <translation>树莓派无法下载或安装 Roost 需要的组件。</translation>
    </message>
    <message>
        <source>Check the Pi&apos;s internet connection and free space, then try again.</source>
        <translation>请检查树莓派的网络连接和剩余空间，然后再试一次。</translation>
    </message>
    <message>
        <source>Roost was installed on the Pi but did not start.</source>
        <translation>Roost 已安装到树莓派上，但没能启动。</translation>
    </message>
    <message>
        <source>Installing Roost on the Pi failed.</source>
        <translation>在树莓派上安装 Roost 失败了。</translation>
    </message>
    <message>
        <source>The connection to the Pi was lost during the installation.</source>
        <translation>安装过程中和树莓派的连接断开了。</translation>
    </message>
    <message>
        <source>Check that the Pi is still on and connected, then try again. Running the installation again is safe.</source>
        <translation>请确认树莓派仍然开着并已联网，然后再试一次。重新安装是安全的。</translation>
    </message>
    <message>
        <source>The app cannot find the Roost server package to install.</source>
        <translation>应用找不到要安装的 Roost 服务器安装包。</translation>
    </message>
    <message>
        <source>Reinstall the Roost app from its download page, then try again.</source>
        <translation>请从下载页面重新安装 Roost 应用，然后再试一次。</translation>
    </message>
</context>
<context>
    <name>InstallStep</name>
    <message>
        <source>Connecting to the Pi</source>
        <translation>正在连接树莓派</translation>
    </message>
    <message>
        <source>Checking the Pi</source>
        <translation>正在检查树莓派</translation>
    </message>
    <message>
        <source>Copying Roost to the Pi</source>
        <translation>正在把 Roost 复制到树莓派</translation>
    </message>
    <message>
        <source>Installing Roost</source>
        <translation>正在安装 Roost</translation>
    </message>
    <message>
        <source>Starting Roost</source>
        <translation>正在启动 Roost</translation>
    </message>
    <message>
        <source>Reading the setup code</source>
        <translation>正在读取设置代码</translation>
    </message>
</context>
<context>
    <name>Invite</name>
    <message>
        <source>This doesn&apos;t look like a complete Roost invite link. Copy the whole link again from the message you received, or ask for a new invite.</source>
        <translation>这看起来不是完整的 Roost 邀请链接。请从收到的消息中重新复制完整的链接，或者请对方重新发一个邀请。</translation>
    </message>
    <message>
        <source>Paste the invite link you received first.</source>
        <translation>请先粘贴你收到的邀请链接。</translation>
    </message>
    <message>
        <source>This is not a Roost invite link. An invite link starts with roost://join</source>
        <translation>这不是 Roost 邀请链接。邀请链接以 roost://join 开头</translation>
    </message>
</context>
<context>
    <name>InviteDialog</name>
    <message>
        <source>Invite someone</source>
        <translation>邀请家人</translation>
    </message>
    <message>
        <source>e.g. Grandma</source>
        <translation>例如：奶奶</translation>
    </message>
    <message>
        <source>Family member</source>
        <translation>家庭成员</translation>
    </message>
    <message>
        <source>Administrator (can manage people)</source>
        <translation>管理员（可以管理成员）</translation>
    </message>
    <message>
        <source>1 day</source>
        <translation>1 天</translation>
    </message>
    <message>
        <source>3 days</source>
        <translation>3 天</translation>
    </message>
    <message>
        <source>1 week</source>
        <translation>1 周</translation>
    </message>
    <message>
        <source>30 days</source>
        <translation>30 天</translation>
    </message>
    <message>
        <source>Who is it for?</source>
        <translation>邀请谁？</translation>
    </message>
    <message>
        <source>They join as</source>
        <translation>加入身份</translation>
    </message>
    <message>
        <source>The link works for</source>
        <translation>链接有效期</translation>
    </message>
    <message>
        <source>Copy link</source>
        <translation>复制链接</translation>
    </message>
    <message>
        <source>Make link</source>
        <translation>生成链接</translation>
    </message>
    <message>
        <source>Send this link privately, for example in a message only they can read, or let them scan the code with the Roost app. It works once, until {when}.</source>
        <translation>请私下把这个链接发给对方，比如用只有对方能看到的消息发送，或者让对方用 Roost 应用扫描二维码。链接只能使用一次，有效期到{when}。</translation>
    </message>
    <message>
        <source>Invite link ready</source>
        <translation>邀请链接已生成</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>JoinDialog</name>
    <message>
        <source>Join with an invite</source>
        <translation>通过邀请加入</translation>
    </message>
    <message>
        <source>Paste the invite link you were sent. It starts with roost://join and was made for you by the person who runs your Roost server.</source>
        <translation>请粘贴别人发给你的邀请链接。它以 roost://join 开头，是管理你们 Roost 服务器的人专门为你生成的。</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>你的名字</translation>
    </message>
    <message>
        <source>as your family knows you, e.g. Grandma</source>
        <translation>家人平时对你的称呼，例如：奶奶</translation>
    </message>
    <message>
        <source>Username (for signing in)</source>
        <translation>用户名（用于登录）</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>再次输入密码</translation>
    </message>
    <message>
        <source>You are invited to {server}. Choose the name others will see and a password for signing in.</source>
        <translation>你受邀加入{server}。请设置一个大家能看到的名字，以及登录用的密码。</translation>
    </message>
    <message>
        <source>Join {server}</source>
        <translation>加入{server}</translation>
    </message>
    <message>
        <source>Join</source>
        <translation>加入</translation>
    </message>
</context>
<context>
    <name>MediaViewer</name>
    <message>
        <source>The file could not be written: {reason}</source>
        <translation>无法写入文件：{reason}</translation>
    </message>
</context>
<context>
    <name>MessageDelegate</name>
    <message>
        <source>Message deleted</source>
        <translation>消息已删除</translation>
    </message>
    <message>
        <source>Not sent — right-click to retry</source>
        <translation>未发送 — 右键点击可重新发送</translation>
    </message>
    <message>
        <source>edited</source>
        <translation>已编辑</translation>
    </message>
</context>
<context>
    <name>MessageView</name>
    <message>
        <source>No messages yet. Say hello!</source>
        <translation>还没有消息，打个招呼吧！</translation>
    </message>
    <message>
        <source>Jump to first unread</source>
        <translation>跳到第一条未读消息</translation>
    </message>
    <message>
        <source>Loading older messages…</source>
        <translation>正在加载更早的消息…</translation>
    </message>
    <message>
        <source>↓ {count} new</source>
        <translation>↓ {count}条新消息</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重新发送</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>放弃发送</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>回复</translation>
    </message>
    <message>
        <source>React</source>
        <translation>表情回应</translation>
    </message>
    <message>
        <source>Remove {emoji}</source>
        <translation>取消{emoji}</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Open {name}</source>
        <translation>打开{name}</translation>
    </message>
    <message>
        <source>Save {name}…</source>
        <translation>保存{name}…</translation>
    </message>
    <message>
        <source>Delete message</source>
        <translation>删除消息</translation>
    </message>
    <message>
        <source>Delete this message for everyone? This cannot be undone.</source>
        <translation>要为所有人删除这条消息吗？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>NewGroupDialog</name>
    <message>
        <source>New group</source>
        <translation>新建群聊</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>群名称</translation>
    </message>
    <message>
        <source>e.g. Family</source>
        <translation>例如：一家人</translation>
    </message>
    <message>
        <source>Topic (optional)</source>
        <translation>主题（可选）</translation>
    </message>
    <message>
        <source>e.g. Dinner plans</source>
        <translation>例如：晚饭安排</translation>
    </message>
    <message>
        <source>People</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>A new group</source>
        <translation>新建一个群聊</translation>
    </message>
    <message>
        <source>Create group</source>
        <translation>创建群聊</translation>
    </message>
</context>
<context>
    <name>NewMessageDialog</name>
    <message>
        <source>New message</source>
        <translation>发消息</translation>
    </message>
    <message>
        <source>Who do you want to write to?</source>
        <translation>你想给谁发消息？</translation>
    </message>
    <message>
        <source>Write</source>
        <translation>发消息</translation>
    </message>
</context>
<context>
    <name>Notifications</name>
    <message>
        <source>{sender} in {group}</source>
        <translation>{sender}（{group}）</translation>
    </message>
    <message>
        <source>New message</source>
        <translation>新消息</translation>
    </message>
</context>
<context>
    <name>People</name>
    <message>
        <source>Owner</source>
        <translation>所有者</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>Family member</source>
        <translation>家庭成员</translation>
    </message>
    <message>
        <source>On</source>
        <translation>已开启</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>未开启</translation>
    </message>
    <message>
        <source>Switched off</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Locked for a while</source>
        <translation>暂时锁定</translation>
    </message>
    <message>
        <source>Waiting for first sign-in</source>
        <translation>等待首次登录</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>Only the owner can add administrators. Add a family member instead.</source>
        <translation>只有所有者才能添加管理员。请改为添加家庭成员。</translation>
    </message>
    <message>
        <source>Only the owner can change who is an administrator.</source>
        <translation>只有所有者才能更改谁是管理员。</translation>
    </message>
    <message>
        <source>Only the owner can hand the server over to someone else.</source>
        <translation>只有所有者才能把服务器转交给别人。</translation>
    </message>
    <message>
        <source>You can&apos;t change this account: administrators manage family members, only the owner manages administrators, and nobody changes the owner or their own account here.</source>
        <translation>你不能修改这个账号：管理员负责管理家庭成员，只有所有者才能管理管理员；所有者的账号和你自己的账号都不能在这里修改。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名字</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>身份</translation>
    </message>
    <message>
        <source>Two-step sign-in</source>
        <translation>两步验证</translation>
    </message>
    <message>
        <source>Last signed in</source>
        <translation>上次登录</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>{name} (you)</source>
        <translation>{name}（我）</translation>
    </message>
    <message>
        <source>Only the server&apos;s owner and administrators can manage the people on it. Ask the owner if you need something changed.</source>
        <translation>只有服务器的所有者和管理员才能管理成员。如果需要修改什么，请联系所有者。</translation>
    </message>
    <message>
        <source>This account does not exist any more (perhaps someone else just deleted it). The list has been refreshed.</source>
        <translation>这个账号已经不存在了（可能刚被别人删除）。列表已刷新。</translation>
    </message>
    <message>
        <source>You can&apos;t do this to your own account here. Use your own settings instead, or ask another administrator.</source>
        <translation>不能在这里对你自己的账号进行这个操作。请到你自己的设置中修改，或者请另一位管理员帮忙。</translation>
    </message>
    <message>
        <source>Your account is not allowed to do this: administrators manage family members, and only the owner manages administrators.</source>
        <translation>你的账号没有权限进行这个操作：管理员负责管理家庭成员，只有所有者才能管理管理员。</translation>
    </message>
</context>
<context>
    <name>PeoplePage</name>
    <message>
        <source>People</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>Find someone</source>
        <translation>查找成员</translation>
    </message>
    <message>
        <source>Invite someone…</source>
        <translation>邀请家人…</translation>
    </message>
    <message>
        <source>Add a person…</source>
        <translation>添加成员…</translation>
    </message>
    <message>
        <source>Invite your family</source>
        <translation>邀请你的家人</translation>
    </message>
    <message>
        <source>Nobody else is on this server yet. Send each person an invite link (they set up their own account), or add them here and give them a one-time password.</source>
        <translation>这台服务器上还没有其他人。你可以给每个人发一个邀请链接（由他们自己创建账号），也可以在这里直接添加，再把一次性密码告诉他们。</translation>
    </message>
    <message>
        <source>Reset password…</source>
        <translation>重置密码…</translation>
    </message>
    <message>
        <source>Reset two-step sign-in…</source>
        <translation>重置两步验证…</translation>
    </message>
    <message>
        <source>Switch off</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Switch on</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Unlock (after too many wrong passwords)</source>
        <translation>解除锁定（用于密码输错太多次后）</translation>
    </message>
    <message>
        <source>Make administrator</source>
        <translation>设为管理员</translation>
    </message>
    <message>
        <source>Make family member</source>
        <translation>设为家庭成员</translation>
    </message>
    <message>
        <source>Hand over ownership…</source>
        <translation>转让所有权…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Sessions…</source>
        <translation>登录设备…</translation>
    </message>
    <message>
        <source>See the devices they are signed in on</source>
        <translation>查看对方已登录的设备</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>身份</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Let them sign in again</source>
        <translation>允许对方重新登录</translation>
    </message>
    <message>
        <source>Stop them signing in, and sign them out everywhere, until switched on</source>
        <translation>禁止对方登录，并让对方在所有设备上退出登录，直到重新启用</translation>
    </message>
    <message>
        <source>New password for {name}</source>
        <translation>{name}的新密码</translation>
    </message>
    <message>
        <source>Give this one-time password to {name}. They sign in with their username “{username}” and this password (typed exactly, dashes included), then choose their own. Their devices have been signed out. It is shown only now.</source>
        <translation>请把这个一次性密码告诉{name}。对方用用户名“{username}”和这个密码登录（要完全照样输入，包括短横线），然后设置自己的密码。对方的设备都已退出登录。这个密码只显示这一次。</translation>
    </message>
    <message>
        <source>Two-step sign-in reset for {name}</source>
        <translation>已为{name}重置两步验证</translation>
    </message>
    <message>
        <source>Two-step sign-in is now off for {name}, and their devices have been signed out. Give them this one-time code: they sign in with their usual password, and type this code when asked for the code from their phone. It works once, for 7 days. Afterwards they can switch two-step sign-in on again.</source>
        <translation>{name}的两步验证已关闭，对方的设备都已退出登录。请把这个一次性验证码告诉对方：对方用平常的密码登录，在要求输入手机验证码时，输入这个验证码即可。它只能使用一次，7 天内有效。之后对方可以重新开启两步验证。</translation>
    </message>
    <message>
        <source>{name} is switched off: they can&apos;t sign in, and their devices are signed out.</source>
        <translation>{name}的账号已停用：对方无法登录，所有设备都已退出登录。</translation>
    </message>
    <message>
        <source>{name} can sign in again.</source>
        <translation>{name}可以重新登录了。</translation>
    </message>
    <message>
        <source>{name} is now an administrator.</source>
        <translation>{name}现在是管理员了。</translation>
    </message>
    <message>
        <source>{name} is now a family member.</source>
        <translation>{name}现在是家庭成员了。</translation>
    </message>
    <message>
        <source>Hand over ownership</source>
        <translation>转让所有权</translation>
    </message>
    <message>
        <source>Make {name} the owner of this server? They will be able to manage everyone, you included, and you become an administrator. Only they can hand it back.</source>
        <translation>要让{name}成为这台服务器的所有者吗？对方将可以管理所有人（包括你），你会变成管理员。只有对方才能把所有权转回给你。</translation>
    </message>
    <message>
        <source>Hand over</source>
        <translation>转让</translation>
    </message>
    <message>
        <source>{name} is now the owner. You are an administrator.</source>
        <translation>{name}现在是所有者了，你现在是管理员。</translation>
    </message>
    <message>
        <source>{name}’s account was deleted.</source>
        <translation>{name}的账号已删除。</translation>
    </message>
</context>
<context>
    <name>PeoplePicker</name>
    <message>
        <source>Search people</source>
        <translation>查找成员</translation>
    </message>
    <message>
        <source>There is nobody else to add. The server&apos;s owner adds people on the People page.</source>
        <translation>没有其他人可以添加了。服务器的所有者可以在“成员”页面添加新成员。</translation>
    </message>
</context>
<context>
    <name>PlayerWindow</name>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>This cannot be played here ({reason}). Save it to open it elsewhere.</source>
        <translation>这里无法播放（{reason}）。请保存后用其他程序打开。</translation>
    </message>
</context>
<context>
    <name>QrCode</name>
    <message>
        <source>QR code</source>
        <translation>二维码</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <source>Back to conversations</source>
        <translation>返回聊天列表</translation>
    </message>
    <message>
        <source>Search messages</source>
        <translation>搜索消息</translation>
    </message>
    <message>
        <source>Search every conversation on this computer, offline too.</source>
        <translation>搜索这台电脑上的所有聊天记录，离线时也能搜。</translation>
    </message>
    <message>
        <source>No messages contain “{text}”.</source>
        <translation>没有包含“{text}”的消息。</translation>
    </message>
    <message>
        <source>{count} found</source>
        <translation>找到{count}条消息</translation>
    </message>
</context>
<context>
    <name>ServerPage</name>
    <message>
        <source>Only the server&apos;s owner and administrators can change its settings and backups. Ask the owner if you need something changed.</source>
        <translation>只有服务器的所有者和管理员才能修改设置和备份。如果需要修改什么，请联系所有者。</translation>
    </message>
    <message>
        <source>Download stopped. Download again to continue where it stopped.</source>
        <translation>下载已停止。再次下载会从中断的地方继续。</translation>
    </message>
    <message>
        <source>The file could not be saved on this computer: {reason}</source>
        <translation>无法把文件保存到这台电脑上：{reason}</translation>
    </message>
    <message>
        <source>Another backup or check is running. Wait until it has finished, then try again.</source>
        <translation>另一个备份或检查正在进行中。请等它完成后再试。</translation>
    </message>
    <message>
        <source>This backup is not in the backup folder any more.</source>
        <translation>这个备份已经不在备份文件夹里了。</translation>
    </message>
    <message>
        <source>The backup folder must be a full path of a folder that exists on the server (like /media/usb), outside the server&apos;s own data folder.</source>
        <translation>备份文件夹必须是服务器上一个已存在文件夹的完整路径（例如 /media/usb），并且不能在服务器自己的数据文件夹内。</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Backups</source>
        <translation>备份</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>操作记录</translation>
    </message>
    <message>
        <source>About</source>
        <translation>关于</translation>
    </message>
    <message>
        <source>Capacity</source>
        <translation>容量</translation>
    </message>
    <message>
        <source>Anyone with an invite link</source>
        <translation>任何有邀请链接的人</translation>
    </message>
    <message>
        <source>Only people an admin adds</source>
        <translation>仅限管理员添加的人</translation>
    </message>
    <message>
        <source> MB</source>
        <translation> MB</translation>
    </message>
    <message>
        <source> GB</source>
        <translation> GB</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <source>Forever</source>
        <translation>永久</translation>
    </message>
    <message>
        <source>Show who is online</source>
        <translation>显示谁在线</translation>
    </message>
    <message>
        <source>Show who is typing</source>
        <translation>显示谁正在输入</translation>
    </message>
    <message>
        <source>Everyone must use two-step sign-in</source>
        <translation>所有人都必须使用两步验证</translation>
    </message>
    <message>
        <source>One address or network per line</source>
        <translation>每行一个地址或网段</translation>
    </message>
    <message>
        <source>Computers at these addresses are never slowed down or locked out after wrong passwords. Leave the home network here.</source>
        <translation>来自这些地址的电脑即使输错密码，也不会被限速或锁定。请把家里的网络保留在这里。</translation>
    </message>
    <message>
        <source>Save settings</source>
        <translation>保存设置</translation>
    </message>
    <message>
        <source>Undo changes</source>
        <translation>撤销更改</translation>
    </message>
    <message>
        <source>A restore is ready and will be applied the next time the server starts. Restart the server (or the Raspberry Pi) when nobody is chatting.</source>
        <translation>恢复已准备好，会在服务器下次启动时进行。请在没人聊天的时候重启服务器（或树莓派）。</translation>
    </message>
    <message>
        <source>Back up now</source>
        <translation>立即备份</translation>
    </message>
    <message>
        <source>Passphrase (at least 10 characters)</source>
        <translation>备份密码（至少 10 个字符）</translation>
    </message>
    <message>
        <source>The same passphrase again</source>
        <translation>再次输入备份密码</translation>
    </message>
    <message>
        <source>Backups on the server</source>
        <translation>服务器上的备份</translation>
    </message>
    <message>
        <source>No backups yet — make the first one now.</source>
        <translation>还没有备份，现在就做第一个备份吧。</translation>
    </message>
    <message>
        <source>Made</source>
        <translation>制作时间</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>This backup&apos;s passphrase</source>
        <translation>这个备份的备份密码</translation>
    </message>
    <message>
        <source>Check it</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Restore…</source>
        <translation>恢复…</translation>
    </message>
    <message>
        <source>Download…</source>
        <translation>下载…</translation>
    </message>
    <message>
        <source>Stop download</source>
        <translation>停止下载</translation>
    </message>
    <message>
        <source>Daily backup</source>
        <translation>每日备份</translation>
    </message>
    <message>
        <source>Back up every day</source>
        <translation>每天自动备份</translation>
    </message>
    <message>
        <source>:00</source>
        <translation>:00</translation>
    </message>
    <message>
        <source> backups</source>
        <translation> 个备份</translation>
    </message>
    <message>
        <source>The default folder beside the server</source>
        <translation>服务器默认的备份文件夹</translation>
    </message>
    <message>
        <source>New passphrase (leave empty to keep)</source>
        <translation>新的备份密码（留空则不修改）</translation>
    </message>
    <message>
        <source>At</source>
        <translation>备份时间</translation>
    </message>
    <message>
        <source>Keep the newest</source>
        <translation>保留最近的</translation>
    </message>
    <message>
        <source>Folder on the Pi</source>
        <translation>树莓派上的文件夹</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>备份密码</translation>
    </message>
    <message>
        <source>Save schedule</source>
        <translation>保存计划</translation>
    </message>
    <message>
        <source>Everything (debug)</source>
        <translation>全部（调试）</translation>
    </message>
    <message>
        <source>Information and up</source>
        <translation>信息及以上</translation>
    </message>
    <message>
        <source>Warnings and errors</source>
        <translation>警告和错误</translation>
    </message>
    <message>
        <source>Errors only</source>
        <translation>仅错误</translation>
    </message>
    <message>
        <source>Critical only</source>
        <translation>仅严重错误</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Save as text…</source>
        <translation>另存为文本…</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>No log lines at this level.</source>
        <translation>这个级别下没有日志。</translation>
    </message>
    <message>
        <source>What administrators and the server changed, newest first.</source>
        <translation>管理员和服务器所做的更改，最新的在最前面。</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>From address</source>
        <translation>来源地址</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名字</translation>
    </message>
    <message>
        <source>Roost version</source>
        <translation>Roost 版本</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Measure how many people this server can serve chatting at once. The check takes about a minute and a half with temporary test accounts, which it removes at the end.</source>
        <translation>测一测这台服务器能支持多少人同时聊天。检查大约需要一分半钟，会用到临时测试账号，结束后会自动删除。</translation>
    </message>
    <message>
        <source>Check how many people this server can serve</source>
        <translation>检查这台服务器能支持多少人</translation>
    </message>
    <message>
        <source>Not saved yet:</source>
        <translation>尚未保存：</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>Nothing had changed.</source>
        <translation>没有任何更改。</translation>
    </message>
    <message>
        <source>Restore this backup?</source>
        <translation>要恢复这个备份吗？</translation>
    </message>
    <message>
        <source>Restore at next start</source>
        <translation>下次启动时恢复</translation>
    </message>
    <message>
        <source>Save the backup</source>
        <translation>保存备份</translation>
    </message>
    <message>
        <source>Downloading {name}…</source>
        <translation>正在下载{name}…</translation>
    </message>
    <message>
        <source>Saved to {path}.</source>
        <translation>已保存到{path}。</translation>
    </message>
    <message>
        <source>Schedule saved.</source>
        <translation>计划已保存。</translation>
    </message>
</context>
<context>
    <name>ServerSettings</name>
    <message>
        <source>Server name</source>
        <translation>服务器名称</translation>
    </message>
    <message>
        <source>Who can join</source>
        <translation>谁可以加入</translation>
    </message>
    <message>
        <source>Largest file</source>
        <translation>最大文件</translation>
    </message>
    <message>
        <source>Space per person</source>
        <translation>每人空间</translation>
    </message>
    <message>
        <source>Keep messages</source>
        <translation>消息保存时间</translation>
    </message>
    <message>
        <source>Show who is online</source>
        <translation>显示谁在线</translation>
    </message>
    <message>
        <source>Show who is typing</source>
        <translation>显示谁正在输入</translation>
    </message>
    <message>
        <source>Require two-step sign-in</source>
        <translation>要求两步验证</translation>
    </message>
    <message>
        <source>Trusted addresses</source>
        <translation>信任的地址</translation>
    </message>
    <message>
        <source>Give the server a name of 1 to 64 characters.</source>
        <translation>请给服务器起一个 1 到 64 个字符的名字。</translation>
    </message>
    <message>
        <source>The largest file must be at least 1 MB and at most 1,048,576 MB.</source>
        <translation>最大文件必须在 1 MB 到 1,048,576 MB 之间。</translation>
    </message>
    <message>
        <source>The space per person must be 0 (no limit) or a positive number.</source>
        <translation>每人空间必须是 0（不限）或一个正数。</translation>
    </message>
    <message>
        <source>Keep messages for 0 (forever) to {max} days.</source>
        <translation>消息保存时间可以是 0（永久）到{max}天。</translation>
    </message>
    <message>
        <source>Each trusted address must be an address or network, one per line, like 192.168.1.20 or 192.168.1.0/24.</source>
        <translation>每个信任的地址都必须是一个地址或网段，每行一个，例如 192.168.1.20 或 192.168.1.0/24。</translation>
    </message>
    <message>
        <source>This value was not accepted. Check it and try again.</source>
        <translation>这个值不符合要求，请检查后再试。</translation>
    </message>
    <message>
        <source>on</source>
        <translation>开</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关</translation>
    </message>
    <message>
        <source>{n} MB</source>
        <translation>{n} MB</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>{n} GB</source>
        <translation>{n} GB</translation>
    </message>
    <message>
        <source>forever</source>
        <translation>永久</translation>
    </message>
    <message>
        <source>{n} days</source>
        <translation>{n}天</translation>
    </message>
    <message>
        <source>only people admins add</source>
        <translation>仅限管理员添加的人</translation>
    </message>
    <message>
        <source>anyone with an invite</source>
        <translation>任何有邀请的人</translation>
    </message>
    <message>
        <source>{label}: {old} → {new}</source>
        <translation>{label}：{old} → {new}</translation>
    </message>
</context>
<context>
    <name>Sessions</name>
    <message>
        <source>{name} is not signed in on any device.</source>
        <translation>{name}目前没有在任何设备上登录。</translation>
    </message>
    <message>
        <source>{name} is signed in on these devices. Signing a device out ends its access at once; they can sign in again with their password.</source>
        <translation>{name}在以下设备上已登录。让某台设备退出登录后，它会立即无法访问；对方可以用自己的密码重新登录。</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Same as this computer</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Play a sound for new messages</source>
        <translation>收到新消息时播放提示音</translation>
    </message>
    <message>
        <source>Show the message&apos;s text in notifications</source>
        <translation>在通知中显示消息内容</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>通知</translation>
    </message>
    <message>
        <source>Remembering sign-ins</source>
        <translation>记住登录</translation>
    </message>
    <message>
        <source>Roost keeps its files in</source>
        <translation>Roost 文件存放位置</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
</context>
<context>
    <name>Shell</name>
    <message>
        <source>Home</source>
        <translation>首页</translation>
    </message>
    <message>
        <source>Sign-ins are kept in this computer&apos;s password store ({store}).</source>
        <translation>登录信息保存在这台电脑的密码库中（{store}）。</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>You were signed out of a server; sign in again to continue.</source>
        <translation>你已从一台服务器退出登录，请重新登录后继续。</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>聊天</translation>
    </message>
    <message>
        <source>Chat: {server}</source>
        <translation>聊天：{server}</translation>
    </message>
    <message>
        <source>Chat: {name}</source>
        <translation>聊天：{name}</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>服务器状态</translation>
    </message>
    <message>
        <source>People</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Connecting to {address}…</source>
        <translation>正在连接{address}…</translation>
    </message>
    <message>
        <source>Starting Roost on this computer…</source>
        <translation>正在这台电脑上启动 Roost…</translation>
    </message>
    <message>
        <source>Roost on this computer</source>
        <translation>这台电脑上的 Roost</translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation>出了点问题</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Open your authenticator app and type the 6-digit code it shows for Roost. Lost your phone? Type one of your recovery codes instead.</source>
        <translation>打开身份验证器应用，输入其中 Roost 的 6 位验证码。手机丢了？可以改为输入一个恢复码。</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>验证码</translation>
    </message>
    <message>
        <source>You signed in with a one-time password from your administrator. Choose your own password now; the one-time password will not work again.</source>
        <translation>你是用管理员给的一次性密码登录的。请现在设置你自己的密码；之后这个一次性密码就不能再用了。</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>再次输入新密码</translation>
    </message>
    <message>
        <source>An administrator of this server requires two-step sign-in: a code from your phone as well as your password. Turn it on now to continue.</source>
        <translation>这台服务器的管理员要求开启两步验证：登录时除了密码，还需要输入手机上的验证码。请现在开启后继续。</translation>
    </message>
    <message>
        <source>Sign in to {server}</source>
        <translation>登录{server}</translation>
    </message>
    <message>
        <source>Two-step sign-in</source>
        <translation>两步验证</translation>
    </message>
    <message>
        <source>Choose a new password</source>
        <translation>设置新密码</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Turn on two-step sign-in</source>
        <translation>开启两步验证</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Check the code</source>
        <translation>验证</translation>
    </message>
</context>
<context>
    <name>StepDialog</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>New messages</source>
        <translation>以下是新消息</translation>
    </message>
    <message>
        <source>Original message not loaded</source>
        <translation>原消息未加载</translation>
    </message>
    <message>
        <source>Message deleted</source>
        <translation>消息已删除</translation>
    </message>
</context>
<context>
    <name>TransferRow</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>{done} of {size}</source>
        <translation>{done} / {size}</translation>
    </message>
</context>
<context>
    <name>Transfers</name>
    <message>
        <source>No connection to the server: this will continue when the connection is back.</source>
        <translation>没有连接到服务器：连接恢复后会自动继续。</translation>
    </message>
    <message>
        <source>This file is too large to send ({size}): the server takes files up to {limit}.</source>
        <translation>这个文件太大（{size}），无法发送：服务器只接收不超过{limit}的文件。</translation>
    </message>
    <message>
        <source>This file is too large to send ({size}) to this server.</source>
        <translation>这个文件太大（{size}），无法发送到这台服务器。</translation>
    </message>
    <message>
        <source>This file ({size}) does not fit in your storage on the server ({quota} in all). Ask the server&apos;s owner for more room.</source>
        <translation>你在服务器上的存储空间（共{quota}）放不下这个文件（{size}）。请让服务器的所有者给你更多空间。</translation>
    </message>
    <message>
        <source>This file ({size}) does not fit in your storage on the server. Ask the server&apos;s owner for more room.</source>
        <translation>你在服务器上的存储空间放不下这个文件（{size}）。请让服务器的所有者给你更多空间。</translation>
    </message>
    <message>
        <source>The server&apos;s disk is nearly full, so it takes no files for now. Ask its owner to free some space, then try again.</source>
        <translation>服务器的存储空间快满了，暂时不能接收文件。请让服务器的所有者腾出一些空间，然后再试一次。</translation>
    </message>
    <message>
        <source>The file&apos;s content is not what its name says it is, so the server refused it. Check that it is the file you meant, or rename it.</source>
        <translation>这个文件的实际内容和文件名（扩展名）不符，所以服务器拒绝接收。请确认这是你想发送的文件，或者给它改个名字。</translation>
    </message>
    <message>
        <source>This image has too many pixels for the server. Send a smaller copy.</source>
        <translation>这张图片的像素太多，服务器无法接收。请发送一张尺寸小一点的图片。</translation>
    </message>
    <message>
        <source>The file changed while it was being sent. Try again to send it as it is now.</source>
        <translation>文件在发送过程中被修改了。请重试，发送它现在的版本。</translation>
    </message>
    <message>
        <source>The file {name} is no longer there. Attach it again.</source>
        <translation>文件{name}已经不在原来的位置了，请重新添加。</translation>
    </message>
    <message>
        <source>The file {name} could not be read: {reason}</source>
        <translation>无法读取文件{name}：{reason}</translation>
    </message>
    <message>
        <source>The downloaded file did not match what the server holds. Try again.</source>
        <translation>下载的文件和服务器上的不一致，请再试一次。</translation>
    </message>
    <message>
        <source>Choose at least one file to send.</source>
        <translation>请至少选择一个要发送的文件。</translation>
    </message>
    <message>
        <source>A message can carry {most} files at most; you chose {count}.</source>
        <translation>一条消息最多只能带{most}个文件，你选了{count}个。</translation>
    </message>
    <message>
        <source>{name} is not a file; only files can be sent.</source>
        <translation>{name}不是文件，只能发送文件。</translation>
    </message>
</context>
<context>
    <name>Trial</name>
    <message>
        <source>No free network port was found on this computer.</source>
        <translation>这台电脑上找不到可用的网络端口。</translation>
    </message>
    <message>
        <source>The Roost server could not be started on this computer: {error}</source>
        <translation>无法在这台电脑上启动 Roost 服务器：{error}</translation>
    </message>
    <message>
        <source>The Roost server did not start within a minute. Details are in {log}.</source>
        <translation>Roost 服务器在一分钟内没有启动。详细信息请查看{log}。</translation>
    </message>
    <message>
        <source>The Roost server stopped while starting. Its last words:
{tail}</source>
        <translation>Roost 服务器在启动过程中停止了。最后的输出：
{tail}</translation>
    </message>
    <message>
        <source>Roost started but could not describe itself: {error}</source>
        <translation>Roost 已启动，但无法报告自身信息：{error}</translation>
    </message>
</context>
<context>
    <name>TrustDialog</name>
    <message>
        <source>Is this your server?</source>
        <translation>这是你的服务器吗？</translation>
    </message>
    <message>
        <source>This computer has not connected to {name} at {address} before. Its security fingerprint is:</source>
        <translation>这台电脑以前没有连接过{address}上的{name}。它的安全指纹是：</translation>
    </message>
    <message>
        <source>To be sure nobody is pretending to be your server, compare it with the fingerprint the Pi shows on its screen or in its log (roost-server info). From now on this app will only talk to the server with this fingerprint.</source>
        <translation>为确保没有人冒充你的服务器，请把它和树莓派屏幕上或日志中（roost-server info）显示的指纹核对一下。从现在起，本应用只会和拥有这个指纹的服务器通信。</translation>
    </message>
    <message>
        <source>Yes, trust it</source>
        <translation>是的，信任它</translation>
    </message>
</context>
<context>
    <name>TwoFactorEnrolDialog</name>
    <message>
        <source>Two-step sign-in</source>
        <translation>两步验证</translation>
    </message>
    <message>
        <source>Two-step sign-in asks for a code from your phone as well as your password, so a stolen password alone is not enough. Type your password to begin.</source>
        <translation>开启两步验证后，登录时除了密码，还需要输入手机上的验证码。这样即使密码被盗，别人也登录不了。请输入你的密码开始设置。</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Turn on two-step sign-in</source>
        <translation>开启两步验证</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Check the code</source>
        <translation>验证</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>TwoFactorSetup</name>
    <message>
        <source>Code from the app</source>
        <translation>验证器上的验证码</translation>
    </message>
    <message>
        <source>Scan this with an authenticator app (such as Google Authenticator, Microsoft Authenticator or 2FAS), or type the key below into it:</source>
        <translation>请用身份验证器应用（例如 Google Authenticator、Microsoft Authenticator 或 2FAS）扫描这个二维码，或者把下面的密钥输入进去：</translation>
    </message>
    <message>
        <source>Two-step sign-in is on. If you lose your phone, each of these recovery codes lets you in once. Print them or write them down and keep them somewhere safe:</source>
        <translation>两步验证已开启。万一手机丢了，下面每个恢复码都可以让你登录一次。请把它们打印出来或抄下来，放在安全的地方：</translation>
    </message>
    <message>
        <source>I have kept these codes somewhere safe</source>
        <translation>我已把这些恢复码保存在安全的地方</translation>
    </message>
</context>
<context>
    <name>Typing</name>
    <message>
        <source>{name} is typing…</source>
        <translation>{name}正在输入…</translation>
    </message>
    <message>
        <source>{first} and {second} are typing…</source>
        <translation>{first}和{second}正在输入…</translation>
    </message>
    <message>
        <source>Several people are typing…</source>
        <translation>好几个人正在输入…</translation>
    </message>
</context>
<context>
    <name>UserSessionsDialog</name>
    <message>
        <source>Signed-in devices</source>
        <translation>已登录的设备</translation>
    </message>
    <message>
        <source>{name}’s devices</source>
        <translation>{name}的设备</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Signed in</source>
        <translation>登录时间</translation>
    </message>
    <message>
        <source>Last active</source>
        <translation>最近活动</translation>
    </message>
    <message>
        <source>Sign out this device</source>
        <translation>让此设备退出登录</translation>
    </message>
    <message>
        <source>Sign out everywhere</source>
        <translation>在所有设备上退出登录</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Sign {name} out of “{device}”? It stops working at once, until someone signs in on it again with {name}’s password.</source>
        <translation>要让{name}在“{device}”上退出登录吗？这台设备会立即无法使用，直到有人用{name}的密码在上面重新登录。</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Sign {name} out of every device? Each one stops working at once. {name} can sign in again with their password: if it may be known to someone else, reset the password too.</source>
        <translation>要让{name}在所有设备上退出登录吗？每台设备都会立即无法使用。{name}可以用自己的密码重新登录；如果密码可能已被别人知道，请同时重置密码。</translation>
    </message>
</context>
<context>
    <name>VoiceRecorder</name>
    <message>
        <source>Record a voice message</source>
        <translation>录制语音消息</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>No microphone was found, so nothing can be recorded.</source>
        <translation>没有找到麦克风，无法录音。</translation>
    </message>
    <message>
        <source>The recording failed: {reason}</source>
        <translation>录音失败：{reason}</translation>
    </message>
</context>
</TS>
