<?xml version='1.0' encoding='utf-8'?>
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
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
</context>
<context>
    <name>Claim</name>
    <message>
        <source>Type the setup code shown on the Pi's screen.</source>
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
        <source>shown on the Pi's screen, e.g. 5agev2eqzrp3</source>
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
        <translation>{server} 已经准备好了，你已用 {name} 的身份登录。接下来邀请家人吧：每人会收到一个链接，用来创建自己的账号。</translation>
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
    <name>Credentials</name>
    <message>
        <source>This computer has no password keyring that Roost can use, so Roost can't remember you: you'll sign in each time you open it.</source>
        <translation>这台电脑上没有 Roost 能用的密码保管工具，所以 Roost 无法记住你的登录，每次打开都需要重新登录。</translation>
    </message>
    <message>
        <source>The password keyring on this computer refused to store your sign-in, so Roost can't remember you this time: you'll sign in again next time you open it.</source>
        <translation>这台电脑的密码保管工具拒绝保存你的登录信息，所以这次 Roost 无法记住你，下次打开时需要重新登录。</translation>
    </message>
</context>
<context>
    <name>Discovery</name>
    <message>
        <source>Roost server at {host}</source>
        <translation>{host} 上的 Roost 服务器</translation>
    </message>
    <message>
        <source>The number after the colon is the port, and it must be between 1 and 65535 (Roost normally uses 8443). For example: 192.168.1.20:8443</source>
        <translation>冒号后面的数字是端口号，必须在 1 到 65535 之间（Roost 通常使用 8443）。例如：192.168.1.20:8443</translation>
    </message>
    <message>
        <source>"{text}" does not look like an address. Type the name of your Pi (like raspberrypi.local) or its IP address (like 192.168.1.20).</source>
        <translation>“{text}”看起来不像一个地址。请输入树莓派的名称（如 raspberrypi.local）或它的 IP 地址（如 192.168.1.20）。</translation>
    </message>
    <message>
        <source>Please type an address, for example raspberrypi.local or 192.168.1.20.</source>
        <translation>请输入地址，例如 raspberrypi.local 或 192.168.1.20。</translation>
    </message>
    <message>
        <source>"{text}" is not a complete IP address. It should be four numbers from 0 to 255 with dots between them, like 192.168.1.20.</source>
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
        <source>Roost cannot search your network from this computer right now (a firewall or another program may be blocking it). You can still type your Pi's address below, for example raspberrypi.local or 192.168.1.20.</source>
        <translation>Roost 现在无法从这台电脑搜索网络（可能被防火墙或其他程序阻止了）。你仍然可以在下方输入树莓派的地址，例如 raspberrypi.local 或 192.168.1.20。</translation>
    </message>
    <message>
        <source>Found 1 Roost server.</source>
        <translation>找到 1 台 Roost 服务器。</translation>
    </message>
    <message>
        <source>Found {count} Roost servers.</source>
        <translation>找到 {count} 台 Roost 服务器。</translation>
    </message>
    <message>
        <source>Also found 1 computer you could install Roost on.</source>
        <translation>另外还找到 1 台可以安装 Roost 的电脑。</translation>
    </message>
    <message>
        <source>Also found {count} computers you could install Roost on.</source>
        <translation>另外还找到 {count} 台可以安装 Roost 的电脑。</translation>
    </message>
    <message>
        <source>Found 1 computer you could install Roost on.</source>
        <translation>找到 1 台可以安装 Roost 的电脑。</translation>
    </message>
    <message>
        <source>Found {count} computers you could install Roost on.</source>
        <translation>找到 {count} 台可以安装 Roost 的电脑。</translation>
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
        <source>Type the setup code shown on the server's screen, for example 5AGE-V2EQ-ZRP3.</source>
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
        <source>That code is not right, or it has expired. Type the newest code from your authenticator app (check that your phone's clock is correct). If this keeps happening, start again with your password.</source>
        <translation>验证码不正确或已过期。请输入身份验证器应用中最新的验证码（并确认手机上的时间准确）。如果一直出现这个问题，请从输入密码开始重新登录。</translation>
    </message>
    <message>
        <source>This account has been switched off by the server's administrator. Ask them to switch it back on.</source>
        <translation>这个账号已被服务器管理员停用。请联系管理员重新启用。</translation>
    </message>
    <message>
        <source>You need to choose a new password before you can continue.</source>
        <translation>你需要先设置一个新密码才能继续。</translation>
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
        <source>This invite can't be used any more: it was already used, was cancelled, or has expired. Ask the person who invited you for a new one.</source>
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
        <source>This server has already been set up by someone. If it is yours, sign in with the owner's account instead.</source>
        <translation>这台服务器已经有人设置过了。如果它是你的，请改用所有者的账号登录。</translation>
    </message>
    <message>
        <source>The setup code is not right. It is shown on the server's screen when it starts (for example 5AGE-V2EQ-ZRP3). Check it and try again.</source>
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
        <source>Your account is not allowed to do this. Ask the server's owner.</source>
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
        <source>Warning: this is not the server you connected to before. Its security certificate has changed, so Roost has stopped and sent nothing to it. This happens when the server was reinstalled or replaced, but it can also mean another device is pretending to be your server. Don't continue unless you know the server was reinstalled; if unsure, ask whoever looks after it.
Expected: {expected}
Found: {actual}</source>
        <translation>警告：这不是你之前连接过的服务器。它的安全证书变了，所以 Roost 已停止连接，没有向它发送任何信息。服务器重装或更换后会出现这种情况，但也可能是有其他设备在冒充你的服务器。除非你确定服务器重装过，否则请不要继续；如果不确定，请问问负责维护它的人。
应为：{expected}
实际：{actual}</translation>
    </message>
    <message>
        <source>Roost can't reach the server at {address}. Check that the Pi is switched on and that this computer is on the same network (the same Wi-Fi) as the Pi, then try again.</source>
        <translation>Roost 无法连接到 {address} 上的服务器。请确认树莓派已开机，并且这台电脑和树莓派在同一个网络（同一个 Wi-Fi）中，然后再试一次。</translation>
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
        <source>Roost doesn't remember this sign-in any more. Please sign in again.</source>
        <translation>Roost 已经不记得这次登录了，请重新登录。</translation>
    </message>
    <message>
        <source>Roost doesn't know this server yet. Add it first, then sign in.</source>
        <translation>Roost 还不认识这台服务器。请先添加它，然后再登录。</translation>
    </message>
    <message>
        <source>That address doesn't look right. Type it like 192.168.1.20 or raspberrypi.local, optionally followed by a colon and the port (for example :8443).</source>
        <translation>这个地址好像不对。请按 192.168.1.20 或 raspberrypi.local 这样的格式输入，后面可以加上冒号和端口号（例如 :8443）。</translation>
    </message>
    <message>
        <source>That fingerprint doesn't look right: it is 64 letters and digits (0-9, A-F), often written in pairs separated by colons. Copy it again from the server's screen.</source>
        <translation>这个指纹好像不对：指纹由 64 个字母和数字（0-9、A-F）组成，通常两个一组，用冒号隔开。请从服务器屏幕上重新复制。</translation>
    </message>
    <message>
        <source>The server gave an answer Roost doesn't understand. Make sure the address is your Roost server, and that the server and this app are up to date.</source>
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
        <translation>请至少使用 {n} 个字符。几个互不相关的词组合起来，既安全又好记。</translation>
    </message>
    <message>
        <source>Please keep the password to 256 characters.</source>
        <translation>密码请不要超过 256 个字符。</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>两次输入的密码不一致。</translation>
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
        <translation>设置</translation>
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
        <translation>这台电脑以前没有连接过 {host}。那台设备的身份指纹是 {fingerprint}。</translation>
    </message>
    <message>
        <source>If this is your Pi, confirm it: the app remembers it and will warn you if it ever changes. (To be certain, compare the fingerprint with the one the Pi shows when you run “ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub” on it.)</source>
        <translation>如果这是你的树莓派，请确认。应用会记住它，以后如果它发生变化，会提醒你。（如果想完全确定，可以在树莓派上运行“ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub”，把显示的指纹和这里的核对一下。）</translation>
    </message>
    <message>
        <source>The device at {host} does not identify itself as the Pi this computer knows. This happens when the Pi's memory card was written anew, but it can also mean that another device is pretending to be your Pi. Nothing was sent to it.</source>
        <translation>{host} 上的设备和这台电脑记住的树莓派身份不一致。树莓派的存储卡重新写入过系统后会出现这种情况，但也可能是有其他设备在冒充你的树莓派。没有向它发送任何信息。</translation>
    </message>
    <message>
        <source>If you have just written a new memory card for this Pi, choose to forget the old identity and connect again. Otherwise do not continue, and ask someone you trust to look at your network.</source>
        <translation>如果你刚给这台树莓派重新写入了存储卡，请选择忘记旧的身份，然后重新连接。否则请不要继续，并请你信任的人帮忙检查一下你的网络。</translation>
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
        <translation>Roost 将安装到 {pi} 上。请输入你在 Raspberry Pi Imager 中为树莓派设置的用户名和密码。它们只在安装时使用，不会被保存。</translation>
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
        <translation>Roost {version} 已安装好，正在你的树莓派上运行。接下来，给服务器起个名字，并创建你自己的账号。</translation>
    </message>
    <message>
        <source>Set it up</source>
        <translation>开始设置</translation>
    </message>
    <message>
        <source>Roost on your Pi was updated to version {version}. Everything on it was kept.</source>
        <translation>树莓派上的 Roost 已更新到 {version} 版本，原有的内容都完好保留。</translation>
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
        <translation>应用无法连接到 {host}。</translation>
    </message>
    <message>
        <source>Check that the Pi is switched on and connected to the same network as this computer, and that the address is right. If you have just switched it on, wait two minutes and try again.</source>
        <translation>请确认树莓派已开机、和这台电脑在同一个网络中，并且地址正确。如果刚开机，请等两分钟后再试。</translation>
    </message>
    <message>
        <source>No device called {host} was found on your network.</source>
        <translation>在你的网络中没有找到名为 {host} 的设备。</translation>
    </message>
    <message>
        <source>Check the spelling of the name, or type the Pi's address instead (your router's page lists it). Make sure the Pi is switched on and connected.</source>
        <translation>请检查名称是否拼写正确，或者改为输入树莓派的地址（可以在路由器的管理页面中找到）。请确认树莓派已开机并已联网。</translation>
    </message>
    <message>
        <source>{host} answered, but it does not accept remote sign-in (SSH).</source>
        <translation>{host} 有回应，但它不接受远程登录（SSH）。</translation>
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
        <source>Check the Pi's network cable or Wi-Fi and that your internet works, then try again. Restarting the router or the Pi often helps.</source>
        <translation>请检查树莓派的网线或 Wi-Fi，并确认家里的网络正常，然后再试一次。重启路由器或树莓派通常能解决问题。</translation>
    </message>
    <message>
        <source>The Pi runs {system}, which Roost cannot be installed on.</source>
        <translation>树莓派运行的是 {system}，Roost 无法安装在这个系统上。</translation>
    </message>
    <message>
        <source>Write Raspberry Pi OS (64-bit) onto the memory card with Raspberry Pi Imager, then try again. Roost needs Raspberry Pi OS or Debian 12 or newer, or Ubuntu 22.04 or newer.</source>
        <translation>请用 Raspberry Pi Imager 把 Raspberry Pi OS（64 位）写入存储卡，然后再试一次。Roost 需要 Raspberry Pi OS、Debian 12 或更新版本，或者 Ubuntu 22.04 或更新版本。</translation>
    </message>
    <message>
        <source>This device's processor ({arch}) is too old for Roost.</source>
        <translation>这台设备的处理器（{arch}）太旧了，无法运行 Roost。</translation>
    </message>
    <message>
        <source>Use a Raspberry Pi 3, 4, 5 or Zero 2 W with Raspberry Pi OS (64-bit is best).</source>
        <translation>请使用装有 Raspberry Pi OS 的树莓派 3、4、5 或 Zero 2 W（最好是 64 位系统）。</translation>
    </message>
    <message>
        <source>The Pi has Python {found}, but Roost needs Python 3.11, 3.12 or 3.13.</source>
        <translation>树莓派上的 Python 版本是 {found}，但 Roost 需要 Python 3.11、3.12 或 3.13。</translation>
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
        <source>The Pi's memory card is nearly full: {free} free, Roost needs {needed}.</source>
        <translation>树莓派的存储卡快满了：只剩 {free} 可用空间，而 Roost 需要 {needed}。</translation>
    </message>
    <message>
        <source>Delete files you do not need from the Pi, or use a larger memory card, then try again.</source>
        <translation>请删除树莓派上不需要的文件，或者换一张更大的存储卡，然后再试一次。</translation>
    </message>
    <message>
        <source>The Pi has {total} of memory; Roost needs at least {needed}.</source>
        <translation>树莓派的内存只有 {total}，Roost 至少需要 {needed}。</translation>
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
        <source>Check the Pi's internet connection and free space, then try again.</source>
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
        <source>This doesn't look like a complete Roost invite link. Copy the whole link again from the message you received, or ask for a new invite.</source>
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
        <translation>请私下把这个链接发给对方，比如用只有对方能看到的消息发送，或者让对方用 Roost 应用扫描二维码。链接只能使用一次，有效期到 {when}。</translation>
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
        <translation>你受邀加入 {server}。请设置一个大家能看到的名字，以及登录用的密码。</translation>
    </message>
    <message>
        <source>Join {server}</source>
        <translation>加入 {server}</translation>
    </message>
    <message>
        <source>Join</source>
        <translation>加入</translation>
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
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>外观</translation>
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
        <source>Sign-ins are kept in this computer's password store ({store}).</source>
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
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Connecting to {address}…</source>
        <translation>正在连接 {address}…</translation>
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
        <source>Sign in to {server}</source>
        <translation>登录 {server}</translation>
    </message>
    <message>
        <source>Two-step sign-in</source>
        <translation>两步验证</translation>
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
        <translation>Roost 服务器在一分钟内没有启动。详细信息请查看 {log}。</translation>
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
        <translation>这台电脑以前没有连接过 {address} 上的 {name}。它的安全指纹是：</translation>
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
</TS>